#include "vlsi/io/base64.h"

#include <array>

#include "vlsi/io/error.h"

namespace vlsi::io {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::array<int8_t, 256> decode_table() {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = int8_t(i);
  return t;
}
}  // namespace

std::string encode_base64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | (rest == 2 ? uint32_t(uint8_t(bytes[i + 1])) << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string decode_base64(std::string_view text, const std::string& where) {
  static const std::array<int8_t, 256> table = decode_table();
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  size_t digits = 0, padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    check(padding == 0, where, ": invalid base64 (data after '=' padding at character ", i + 1, ")");
    const int8_t v = table[c];
    check(v >= 0, where, ": invalid base64 (character ", i + 1, " is not in the base64 alphabet)");
    acc = acc << 6 | uint32_t(v);
    if (++digits % 4 == 0) {
      out += char((acc >> 16) & 0xff);
      out += char((acc >> 8) & 0xff);
      out += char(acc & 0xff);
      acc = 0;
    }
  }
  const size_t tail = digits % 4;
  check(tail != 1 && padding <= 2 && (padding == 0 || (tail + padding) % 4 == 0), where,
        ": invalid base64 (", digits, " digits and ", padding, " padding characters do not make whole groups)");
  if (tail == 2) out += char((acc >> 4) & 0xff);
  if (tail == 3) {
    out += char((acc >> 10) & 0xff);
    out += char((acc >> 2) & 0xff);
  }
  return out;
}

}  // namespace vlsi::io
