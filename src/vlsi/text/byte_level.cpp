#include "vlsi/text/byte_level.h"

#include <array>

#include "vlsi/text/utf8.h"

namespace vlsi::text {
namespace {

struct ByteTable {
  std::array<char32_t, 256> to_char{};
  std::array<std::string, 256> to_utf8;
  ByteTable() {
    // Bytes that are printable and not whitespace keep their own code point;
    // the others are assigned U+0100 upwards in byte order.
    auto keeps_own = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); };
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      to_char[b] = keeps_own(b) ? static_cast<char32_t>(b) : next++;
      append_utf8(to_utf8[b], to_char[b]);
    }
  }
};

const ByteTable& table() {
  static const ByteTable t;
  return t;
}

}  // namespace

char32_t byte_to_char(uint8_t b) { return table().to_char[b]; }

int char_to_byte(char32_t cp) {
  // The table maps bytes onto U+0021..U+00FF (identity) and U+0100..U+0143.
  if (cp >= 0x100 && cp < 0x100 + 68) {
    static const std::array<int, 68> back = [] {
      std::array<int, 68> a{};
      for (int b = 0; b < 256; ++b)
        if (table().to_char[b] >= 0x100) a[table().to_char[b] - 0x100] = b;
      return a;
    }();
    return back[cp - 0x100];
  }
  if (cp < 0x100 && table().to_char[cp] == cp) return static_cast<int>(cp);
  return -1;
}

const std::string& byte_symbol(uint8_t b) { return table().to_utf8[b]; }

std::string bytes_to_byte_level(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += table().to_utf8[static_cast<uint8_t>(c)];
  return out;
}

std::string byte_level_to_bytes(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    char32_t cp = next_code_point(s, i);
    int b = char_to_byte(cp);
    if (b >= 0) out.push_back(static_cast<char>(b));
    else out.append(s.data() + start, i - start);
  }
  return out;
}

}  // namespace vlsi::text
