#include "vlsi/text/utf8.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <memory>

#include "vlsi/io/error.h"

namespace vlsi::text {
namespace {

// One step of the WHATWG UTF-8 decoder. Returns the number of bytes that
// form the next unit starting at `i` and whether it is a valid code point;
// an invalid unit is the maximal subpart that must become one U+FFFD.
struct Unit {
  size_t len;
  bool valid;
};

Unit next_unit(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return {1, true};
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return {1, false};
  }
  size_t k = 1;
  for (; k <= need; ++k) {
    if (i + k >= s.size()) return {k, false};
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < lo || b > hi) return {k, false};
    lo = 0x80;
    hi = 0xBF;
  }
  return {need + 1, true};
}

// Code points that NFC can change or that can combine with what precedes:
// non-zero combining class, characters whose NFC differs from themselves
// (singletons, exclusions), and the last element of every canonical pair
// (incl. Hangul V/T jamo). Text free of them is already in NFC.
class NfcUnsafeSet {
 public:
  NfcUnsafeSet() : bits_(0x110000 / 64, 0) {
    for (utf8proc_int32_t cp = 0; cp < 0x110000; ++cp) {
      const utf8proc_property_t* p = utf8proc_get_property(cp);
      if (p->combining_class != 0) set(cp);
      if (p->decomp_seqindex == UINT16_MAX || p->decomp_type != 0) continue;  // no canonical decomposition
      utf8proc_int32_t buf[8];
      int last_boundclass = 0;
      utf8proc_ssize_t n = utf8proc_decompose_char(cp, buf, 8, UTF8PROC_DECOMPOSE, &last_boundclass);
      if (n < 1 || n > 8) continue;
      if (!composes_to_itself(cp)) set(cp);
      else if (n >= 2) set(buf[n - 1]);
    }
    for (utf8proc_int32_t cp = 0x1161; cp <= 0x1175; ++cp) set(cp);  // Hangul V jamo
    for (utf8proc_int32_t cp = 0x11A8; cp <= 0x11C2; ++cp) set(cp);  // Hangul T jamo
  }
  bool unsafe(char32_t cp) const { return cp < 0x110000 && ((bits_[cp >> 6] >> (cp & 63)) & 1); }

 private:
  void set(utf8proc_int32_t cp) { bits_[cp >> 6] |= uint64_t{1} << (cp & 63); }
  static bool composes_to_itself(utf8proc_int32_t cp) {
    std::string one;
    append_utf8(one, static_cast<char32_t>(cp));
    utf8proc_uint8_t* dst = nullptr;
    utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(one.data()), static_cast<utf8proc_ssize_t>(one.size()),
                                      &dst, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    bool same = n == static_cast<utf8proc_ssize_t>(one.size()) && std::memcmp(dst, one.data(), one.size()) == 0;
    std::free(dst);
    return same;
  }
  std::vector<uint64_t> bits_;
};

bool already_nfc(std::string_view s) {
  static const NfcUnsafeSet unsafe_set;
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    if (unsafe_set.unsafe(next_code_point(s, i))) return false;
  }
  return true;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    Unit u = next_unit(s, i);
    if (!u.valid) return false;
    i += u.len;
  }
  return true;
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  size_t i = 0;
  while (i < s.size()) {
    Unit u = next_unit(s, i);
    if (u.valid) out.append(s.data() + i, u.len);
    else out.append("\xEF\xBF\xBD");
    i += u.len;
  }
  return out;
}

char32_t next_code_point(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  if (b0 < 0xE0) {
    char32_t cp = ((b0 & 0x1F) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3F);
    i += 2;
    return cp;
  }
  if (b0 < 0xF0) {
    char32_t cp = ((b0 & 0x0F) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3F) << 6) |
                  (static_cast<unsigned char>(s[i + 2]) & 0x3F);
    i += 3;
    return cp;
  }
  char32_t cp = ((b0 & 0x07) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3F) << 12) |
                ((static_cast<unsigned char>(s[i + 2]) & 0x3F) << 6) | (static_cast<unsigned char>(s[i + 3]) & 0x3F);
  i += 4;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string normalize_unicode(std::string_view s, NormalForm form) {
  // Fast paths: ASCII is invariant under every form; most real text is
  // already in NFC, which a table lookup per character establishes.
  unsigned char max_byte = 0;
  for (char c : s) max_byte = std::max(max_byte, static_cast<unsigned char>(c));
  if (max_byte < 0x80) return std::string(s);
  if (form == NormalForm::NFC && already_nfc(s)) return std::string(s);

  int options = UTF8PROC_STABLE;
  switch (form) {
    case NormalForm::NFC: options |= UTF8PROC_COMPOSE; break;
    case NormalForm::NFD: options |= UTF8PROC_DECOMPOSE; break;
    case NormalForm::NFKC: options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
    case NormalForm::NFKD: options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
  }
  utf8proc_uint8_t* dst = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                    static_cast<utf8proc_ssize_t>(s.size()), &dst,
                                    static_cast<utf8proc_option_t>(options));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(dst, &std::free);
  check(n >= 0, "unicode normalisation failed: ", utf8proc_errmsg(n));
  return std::string(reinterpret_cast<const char*>(dst), static_cast<size_t>(n));
}

bool is_white_space(char32_t cp) {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

std::string_view trim_white_space_start(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    if (!is_white_space(next_code_point(s, j))) break;
    i = j;
  }
  return s.substr(i);
}

std::string_view trim_white_space_end(std::string_view s) {
  size_t end = s.size();
  while (end > 0) {
    size_t start = end - 1;  // step back to the lead byte
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    size_t j = start;
    if (!is_white_space(next_code_point(s, j))) break;
    end = start;
  }
  return s.substr(0, end);
}

}  // namespace vlsi::text
