#include "vlsi/text/split_patterns.h"

#include <cctype>

namespace vlsi::text {

const std::string& byte_level_gpt2_pattern() {
  static const std::string space = "\\t\\n\\x{0B}\\x{0C}\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";
  static const std::string p = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" + space + "\\p{L}\\p{N}]+|[" + space +
                               "]+(?![^" + space + "])|[" + space + "]+";
  return p;
}

std::string pcre2_escape_literal(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::ispunct(static_cast<unsigned char>(c))) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace vlsi::text
