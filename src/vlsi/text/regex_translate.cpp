#include "vlsi/text/regex_translate.h"

#include <cctype>
#include <cstdio>
#include <utility>
#include <vector>

#include "vlsi/io/error.h"
#include "vlsi/text/regex.h"
#include "vlsi/text/utf8.h"

namespace vlsi::text {
namespace {

const std::string kWordInClass = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}";
const std::string kWordChars = kWordInClass + "\\x{B2}\\x{B3}\\x{B9}\\x{BC}-\\x{BE}";
const std::string kWordClass = "[" + kWordChars + "]";
const std::string kNonWordClass = "[^" + kWordChars + "]";
const std::string kHexDigits = "0-9A-Fa-f";

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_ascii_letter(char32_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_ascii_alnum(char32_t c) { return is_ascii_letter(c) || (c >= '0' && c <= '9'); }

// "[aA]" for an ASCII letter inside (?i:...), the plain code point otherwise.
std::string code_point_atom(unsigned long cp, bool fold) {
  if (fold && cp < 128 && is_ascii_letter(static_cast<char32_t>(cp))) {
    char c = static_cast<char>(cp);
    return std::string("[") + static_cast<char>(std::tolower(c)) + static_cast<char>(std::toupper(c)) + "]";
  }
  char buf[24];
  std::snprintf(buf, sizeof(buf), "\\x{%lX}", cp);
  return buf;
}

class Translator {
 public:
  Translator(const std::string& p, const std::string& where) : p_(p), where_(where) {}

  std::string run() {
    while (i_ < p_.size()) step();
    check(groups_.empty(), where_, ": regex has an unclosed '('");
    return out_;
  }

 private:
  const std::string& p_;
  const std::string& where_;
  size_t i_ = 0;
  std::string out_;
  long atom_start_ = -1;
  bool last_was_quantifier_ = false;
  bool fold_ = false;
  std::vector<std::pair<long, bool>> groups_;

  [[noreturn]] void unsupported(const std::string& what) const {
    fail(where_, ": unsupported regex construct ", what, " at offset ", i_, " (supported: the Oniguruma subset "
         "that @huggingface/tokenizers translates without nested classes, '&&' or inline flags other than (?i:))");
  }
  bool starts_with(const char* s) const { return p_.compare(i_, std::char_traits<char>::length(s), s) == 0; }
  void emit_atom(const std::string& text) {
    atom_start_ = static_cast<long>(out_.size());
    out_ += text;
    last_was_quantifier_ = false;
  }
  std::string take_code_point() {
    size_t start = i_;
    next_code_point(p_, i_);
    return p_.substr(start, i_ - start);
  }

  // \x{..}, \u{..}, \p{..}, \P{..}: returns {kind, body} and advances, or kind 0.
  std::pair<char, std::string> braced_escape() {
    if (i_ + 2 >= p_.size() || p_[i_ + 2] != '{') return {0, ""};
    char kind = p_[i_ + 1];
    if (kind != 'x' && kind != 'u' && kind != 'p' && kind != 'P') return {0, ""};
    size_t close = p_.find('}', i_ + 3);
    if (close == std::string::npos) return {0, ""};
    std::string body = p_.substr(i_ + 3, close - i_ - 3);
    i_ = close + 1;
    return {kind, body};
  }
  // \xHH or \uHHHH: returns the code point and advances, or -1.
  long fixed_width_escape() {
    size_t digits = p_[i_ + 1] == 'x' ? 2 : p_[i_ + 1] == 'u' ? 4 : 0;
    if (digits == 0 || i_ + 1 + digits >= p_.size()) return -1;
    for (size_t k = 0; k < digits; ++k)
      if (!is_hex(p_[i_ + 2 + k])) return -1;
    long cp = std::stol(p_.substr(i_ + 2, digits), nullptr, 16);
    i_ += 2 + digits;
    return cp;
  }
  unsigned long parse_hex_body(const std::string& body) {
    bool ok = !body.empty() && body.size() <= 8;
    for (char c : body) ok = ok && is_hex(c);
    if (!ok) unsupported("'\\x{" + body + "}'");
    return std::stoul(body, nullptr, 16);
  }

  void step() {
    char c = p_[i_];
    switch (c) {
      case '\\': escape(); return;
      case '[': emit_atom(character_class()); return;
      case ']': emit_atom("\\]"); ++i_; return;
      case '.': emit_atom("[^\\n]"); ++i_; return;
      case '^': emit_atom("(?:\\A|(?<=\\n))"); ++i_; return;
      case '$': emit_atom("(?=\\n|\\z)"); ++i_; return;
      case '(': open_group(); return;
      case ')': {
        check(!groups_.empty(), where_, ": regex has an unmatched ')' at offset ", i_);
        out_ += ')';
        std::tie(atom_start_, fold_) = groups_.back();
        groups_.pop_back();
        last_was_quantifier_ = false;
        ++i_;
        return;
      }
      case '|': out_ += '|'; atom_start_ = -1; last_was_quantifier_ = false; ++i_; return;
      case '{': brace_quantifier(); return;
      case '}': emit_atom("\\}"); ++i_; return;
      case '+':
        // "X++" is possessive in Oniguruma; the reference treats it as greedy.
        if (!last_was_quantifier_) out_ += '+';
        last_was_quantifier_ = true;
        ++i_;
        return;
      case '*': case '?': out_ += c; last_was_quantifier_ = true; ++i_; return;
      default: {
        size_t start = i_;
        char32_t cp = next_code_point(p_, i_);
        emit_atom(fold_ && is_ascii_letter(cp) ? code_point_atom(cp, true) : p_.substr(start, i_ - start));
      }
    }
  }

  void open_group() {
    std::string prefix = "(", out_prefix = "(";
    bool fold = fold_;
    if (starts_with("(?i:")) {
      prefix = "(?i:", out_prefix = "(?:", fold = true;
    } else if (starts_with("(?:") || starts_with("(?=") || starts_with("(?!") || starts_with("(?<=") ||
               starts_with("(?<!")) {
      prefix = out_prefix = p_.substr(i_, p_[i_ + 2] == '<' ? 4 : 3);
    } else if (starts_with("(?>")) {
      prefix = "(?>", out_prefix = "(?:";  // atomic groups act as plain groups in the reference
    } else if (starts_with("(?<")) {
      size_t close = p_.find('>', i_);
      bool ok = close != std::string::npos && close > i_ + 3;
      for (size_t k = i_ + 3; ok && k < close; ++k) ok = std::isalnum(static_cast<unsigned char>(p_[k])) || p_[k] == '_';
      if (!ok) unsupported("'(?<'");
      prefix = out_prefix = p_.substr(i_, close + 1 - i_);
    } else if (starts_with("(?")) {
      unsupported("'" + p_.substr(i_, 3) + "'");
    }
    groups_.emplace_back(static_cast<long>(out_.size()), fold_);
    fold_ = fold;
    out_ += out_prefix;
    last_was_quantifier_ = false;
    i_ += prefix.size();
  }

  void brace_quantifier() {
    size_t j = i_ + 1;
    auto digits = [&] { size_t s = j; while (j < p_.size() && std::isdigit(static_cast<unsigned char>(p_[j]))) ++j; return j - s; };
    size_t lo = digits(), hi = 0;
    bool comma = j < p_.size() && p_[j] == ',';
    if (comma) { ++j; hi = digits(); }
    bool valid = j < p_.size() && p_[j] == '}' && (lo > 0 || (comma && hi > 0));
    if (!valid || atom_start_ < 0) {
      emit_atom("\\{");
      ++i_;
      return;
    }
    std::string body = p_.substr(i_ + 1, j - i_ - 1);
    if (body[0] == ',') body = "0" + body;
    i_ = j + 1;
    if (i_ < p_.size() && (p_[i_] == '+' || p_[i_] == '*')) {
      // Oniguruma stacks "X{n}+" as (X{n})+ rather than making it possessive.
      out_ = out_.substr(0, atom_start_) + "(?:" + out_.substr(atom_start_) + "{" + body + "})" + p_[i_];
      ++i_;
    } else {
      out_ += "{" + body + "}";
    }
    last_was_quantifier_ = true;
  }

  void escape() {
    check(i_ + 1 < p_.size(), where_, ": regex ends with a lone backslash");
    auto [kind, body] = braced_escape();
    if (kind) {
      if (kind == 'x' || kind == 'u') emit_atom(code_point_atom(parse_hex_body(body), fold_ && kind == 'x'));
      else if (body == "Word") emit_atom(kind == 'p' ? kWordClass : kNonWordClass);
      else emit_atom(std::string("\\") + kind + "{" + body + "}");
      return;
    }
    if (p_[i_ + 1] == 'c' && i_ + 2 < p_.size() && std::isalpha(static_cast<unsigned char>(p_[i_ + 2]))) {
      emit_atom(p_.substr(i_, 3));
      i_ += 3;
      return;
    }
    long cp = fixed_width_escape();
    if (cp >= 0) {
      emit_atom(code_point_atom(static_cast<unsigned long>(cp), fold_));
      return;
    }
    size_t at = i_;
    ++i_;
    std::string next = take_code_point();
    char n = next.size() == 1 ? next[0] : '\0';
    switch (n) {
      case 'G': return;  // the reference drops \G
      case 'n': emit_atom("\\n"); return;
      case 'r': emit_atom("\\r"); return;
      case 't': emit_atom("\\t"); return;
      case 'f': emit_atom("\\x{0C}"); return;
      case 'v': emit_atom("\\x{0B}"); return;  // PCRE2's \v is a class
      case 'A': emit_atom("\\A"); return;
      case 'z': emit_atom("\\z"); return;
      case 'Z': emit_atom("(?=\\n?\\z)"); return;
      case 'h': emit_atom("[" + kHexDigits + "]"); return;  // Oniguruma \h: hex digit
      case 'H': emit_atom("[^" + kHexDigits + "]"); return;
      case 'w': emit_atom(kWordClass); return;
      case 'W': emit_atom(kNonWordClass); return;
      case 'd': emit_atom("\\p{Nd}"); return;
      case 'D': emit_atom("\\P{Nd}"); return;
      case 's': emit_atom("\\p{White_Space}"); return;
      case 'S': emit_atom("\\P{White_Space}"); return;
      case 'b': emit_atom("(?:(?<!" + kWordClass + ")(?=" + kWordClass + ")|(?<=" + kWordClass + ")(?!" + kWordClass + "))"); return;
      case 'B': emit_atom("(?:(?<!" + kWordClass + ")(?!" + kWordClass + ")|(?<=" + kWordClass + ")(?=" + kWordClass + "))"); return;
      case 'a': emit_atom("\\x{07}"); return;
      case 'e': emit_atom("\\x{1B}"); return;
      default: break;
    }
    if (n >= '1' && n <= '9') { emit_atom("\\" + next); return; }  // back-reference
    if (n != '\0' && is_ascii_alnum(static_cast<char32_t>(n))) {
      i_ = at;
      unsupported("'\\" + next + "'");
    }
    // An escaped punctuation or other character stands for itself.
    emit_atom(n != '\0' && std::ispunct(static_cast<unsigned char>(n)) ? "\\" + next : next);
  }

  // --- character classes ---------------------------------------------------
  enum class Tail { None, Scalar, Set, Range, CompleteRange };

  struct ClassBody {
    std::string fragment;
    Tail tail = Tail::None;
  };

  void append(ClassBody& b, const std::string& piece, bool set_valued) {
    if (b.tail == Tail::Range) {
      if (set_valued) unsupported("a range ending in a set");
      b.fragment += piece;
      b.tail = Tail::CompleteRange;
      return;
    }
    b.fragment += piece;
    b.tail = set_valued ? Tail::Set : Tail::Scalar;
  }

  void class_escape(ClassBody& b) {
    check(i_ + 1 < p_.size(), where_, ": regex ends inside a character class");
    auto [kind, body] = braced_escape();
    if (kind) {
      if (kind == 'x' || kind == 'u') append(b, code_point_atom(parse_hex_body(body), false), false);
      else if (body == "Word" && kind == 'p') append(b, kWordInClass, true);
      else if (body == "Word") unsupported("'\\P{Word}' inside a class");
      else append(b, std::string("\\") + kind + "{" + body + "}", true);
      return;
    }
    if (p_[i_ + 1] == 'c' && i_ + 2 < p_.size() && std::isalpha(static_cast<unsigned char>(p_[i_ + 2]))) {
      append(b, p_.substr(i_, 3), false);
      i_ += 3;
      return;
    }
    long cp = fixed_width_escape();
    if (cp >= 0) {
      append(b, code_point_atom(static_cast<unsigned long>(cp), false), false);
      return;
    }
    size_t at = i_;
    ++i_;
    std::string next = take_code_point();
    char n = next.size() == 1 ? next[0] : '\0';
    switch (n) {
      case 'n': append(b, "\\n", false); return;
      case 'r': append(b, "\\r", false); return;
      case 't': append(b, "\\t", false); return;
      case 'f': append(b, "\\x{0C}", false); return;
      case 'v': append(b, "\\x{0B}", false); return;
      case 'a': append(b, "\\x{07}", false); return;
      case 'e': append(b, "\\x{1B}", false); return;
      case 'h': append(b, kHexDigits, true); return;
      case 'w': append(b, kWordInClass, true); return;
      case 'd': append(b, "\\p{Nd}", true); return;
      case 'D': append(b, "\\P{Nd}", true); return;
      case 's': append(b, "\\p{White_Space}", true); return;
      case 'S': append(b, "\\P{White_Space}", true); return;
      default: break;
    }
    if (n == '\0' || is_ascii_alnum(static_cast<char32_t>(n))) {
      i_ = at;
      unsupported("'\\" + next + "' inside a class");
    }
    append(b, std::ispunct(static_cast<unsigned char>(n)) ? "\\" + next : next, false);
  }

  std::string character_class() {
    const size_t start = i_;
    ++i_;
    const bool negated = i_ < p_.size() && p_[i_] == '^';
    if (negated) ++i_;
    const size_t first = i_;
    ClassBody b;
    while (i_ < p_.size()) {
      char c = p_[i_];
      if (c == '\\') { class_escape(b); continue; }
      if (c == ']') {
        if (i_ == first) { append(b, "\\]", false); ++i_; continue; }
        if (b.tail == Tail::None) { i_ = start; unsupported("'[]' (empty class)"); }
        ++i_;
        if (fold_) b.fragment += ascii_fold_additions(b.fragment);
        return (negated ? "[^" : "[") + b.fragment + "]";
      }
      if (starts_with("&&")) unsupported("'&&' (class intersection)");
      if (c == '[') {
        static const std::pair<const char*, const char*> posix[] = {
            {"alpha", "\\p{Alphabetic}"}, {"alnum", "\\p{Alphabetic}\\p{Nd}"}, {"digit", "\\p{Nd}"},
            {"lower", "\\p{Lowercase}"}, {"upper", "\\p{Uppercase}"}, {"space", "\\p{White_Space}"},
            {"blank", "\\t\\p{Zs}"}, {"punct", "\\p{P}\\p{S}"}, {"cntrl", "\\p{Cc}"},
            {"word", "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}"}, {"xdigit", "0-9A-Fa-f"}};
        bool matched = false;
        for (auto& [name, fragment] : posix) {
          std::string token = std::string("[:") + name + ":]";
          if (starts_with(token.c_str())) {
            append(b, fragment, true);
            i_ += token.size();
            matched = true;
            break;
          }
        }
        if (!matched) unsupported("a nested class or POSIX bracket");
        continue;
      }
      if (c == '-') {
        bool terminal = i_ + 1 < p_.size() && (p_[i_ + 1] == ']' || p_.compare(i_ + 1, 2, "&&") == 0);
        if (b.tail == Tail::Set && !terminal) unsupported("a range starting at a set");
        if (b.tail == Tail::None || b.tail == Tail::Range || b.tail == Tail::CompleteRange || terminal) {
          append(b, "\\-", false);
        } else {
          b.fragment += '-';
          b.tail = Tail::Range;
        }
        ++i_;
        continue;
      }
      std::string cp = take_code_point();
      bool punct = cp.size() == 1 && std::ispunct(static_cast<unsigned char>(cp[0]));
      append(b, punct ? "\\" + cp : cp, false);
    }
    i_ = start;
    unsupported("an unterminated class");
  }

  // Inside (?i:...) the reference adds the other case of every ASCII letter
  // the class already contains; compute that membership with PCRE2 itself.
  std::string ascii_fold_additions(const std::string& fragment) {
    Regex member("[" + fragment + "]", where_);
    std::string add;
    for (char up = 'A'; up <= 'Z'; ++up) {
      char low = static_cast<char>(up - 'A' + 'a');
      bool has_up = member.full_match(std::string(1, up)), has_low = member.full_match(std::string(1, low));
      if (has_up != has_low) add += has_up ? low : up;
    }
    return add;
  }
};

// The reference first rewrites BLOOM's "[^(\s|[...])]" into a flat class.
std::string normalize_bloom_class(const std::string& p) {
  const std::string open = "[^(\\s|[", close = "])]";
  std::string out;
  size_t i = 0;
  while (true) {
    size_t s = p.find(open, i);
    if (s == std::string::npos) break;
    size_t body = s + open.size();
    size_t e = p.find(']', body);
    if (e == std::string::npos || e == body || p.compare(e, close.size(), close) != 0) {
      out += p.substr(i, body - i);
      i = body;
      continue;
    }
    out += p.substr(i, s - i) + "[^()|\\s" + p.substr(body, e - body) + "]";
    i = e + close.size();
  }
  return out + p.substr(i);
}

}  // namespace

std::string oniguruma_to_pcre2(const std::string& pattern, const std::string& where) {
  std::string flat = normalize_bloom_class(pattern);
  return Translator(flat, where).run();
}

}  // namespace vlsi::text
