#include "vlsi/text/jinja/lexer.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "vlsi/io/error.h"
#include "vlsi/text/jinja/py_string.h"
#include "vlsi/text/utf8.h"

namespace vlsi::text::jinja {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Lexer {
 public:
  explicit Lexer(const SourceText& src) : src_(src), s_(src.text()) {}

  std::vector<Token> run() {
    while (pos_ < s_.size()) {
      const size_t tag = find_tag(pos_);
      if (tag == std::string::npos) {
        emit_text(s_.substr(pos_), pos_);
        break;
      }
      const char kind = s_[tag + 1];
      const char sign = tag + 2 < s_.size() && (s_[tag + 2] == '-' || s_[tag + 2] == '+') ? s_[tag + 2] : 0;
      size_t raw_body = 0;
      const bool raw = kind == '%' && match_raw_begin(tag, raw_body);
      emit_text(strip_before(s_.substr(pos_, tag - pos_), sign, kind != '{'), pos_);
      const size_t opened = tag + 2 + (sign ? 1 : 0);
      if (raw) {
        lex_raw(tag, raw_body);
      } else if (kind == '#') {
        lex_comment(tag, opened);
      } else {
        push(kind == '{' ? Tok::VarBegin : Tok::BlockBegin, "", tag);
        lex_tag(kind == '{', tag, opened);
      }
    }
    push(Tok::End, "", s_.size());
    return std::move(out_);
  }

 private:
  [[noreturn]] void error(size_t at, const std::string& what) const { throw Error(src_.message(at, what)); }

  void push(Tok t, std::string text, size_t at) {
    Token tok;
    tok.type = t;
    tok.text = std::move(text);
    tok.offset = at;
    out_.push_back(std::move(tok));
  }
  void emit_text(std::string text, size_t at) {
    if (!text.empty()) push(Tok::Text, std::move(text), at);
  }

  size_t find_tag(size_t from) const {
    for (size_t i = s_.find('{', from); i != std::string::npos && i + 1 < s_.size(); i = s_.find('{', i + 1))
      if (s_[i + 1] == '{' || s_[i + 1] == '%' || s_[i + 1] == '#') return i;
    return std::string::npos;
  }

  // Number of bytes of the Python-whitespace code point at i (0 if none).
  size_t space_at(size_t i) const {
    if (i >= s_.size()) return 0;
    size_t j = i;
    return py_is_space(next_code_point(s_, j)) ? j - i : 0;
  }
  size_t skip_spaces(size_t i) const {
    for (size_t n; (n = space_at(i)) != 0;) i += n;
    return i;
  }

  // The text before a tag: "-" strips all trailing whitespace; lstrip_blocks
  // drops the spaces and tabs of the tag's own line for {% and {# tags.
  std::string strip_before(std::string text, char sign, bool lstrip_kind) const {
    if (sign == '-') return py_strip(text, std::nullopt, false, true);
    if (sign == '+' || !lstrip_kind) return text;
    const size_t line = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    if (line == 0 && !line_starting_) return text;
    if (line == text.size()) return text;
    const std::string tail = text.substr(line);
    if (py_strip(tail, std::nullopt, true, false).empty()) text.resize(line);
    return text;
  }

  // After an end marker at `i` with sign: "-" eats all whitespace, a plain
  // block/comment end eats one newline (trim_blocks).
  size_t after_end(size_t i, char sign, bool trim_newline) {
    if (sign == '-') i = skip_spaces(i);
    else if (sign == 0 && trim_newline && i < s_.size() && s_[i] == '\n') ++i;
    line_starting_ = i > 0 && s_[i - 1] == '\n';
    return i;
  }

  // {%[-+]? \s* raw \s* (-%} | %})
  bool match_raw_begin(size_t tag, size_t& body) const {
    size_t i = tag + 2;
    if (i < s_.size() && (s_[i] == '-' || s_[i] == '+')) ++i;
    i = skip_spaces(i);
    if (s_.compare(i, 3, "raw") != 0) return false;
    i = skip_spaces(i + 3);
    if (s_.compare(i, 3, "-%}") == 0) {
      body = skip_spaces(i + 3);
      return true;
    }
    if (s_.compare(i, 2, "%}") == 0) {
      body = i + 2;
      return true;
    }
    return false;
  }

  void lex_raw(size_t tag, size_t body) {
    line_starting_ = body > 0 && s_[body - 1] == '\n';
    for (size_t at = s_.find("{%", body); at != std::string::npos; at = s_.find("{%", at + 1)) {
      size_t i = at + 2;
      const char sign = i < s_.size() && (s_[i] == '-' || s_[i] == '+') ? s_[i] : 0;
      if (sign) ++i;
      i = skip_spaces(i);
      if (s_.compare(i, 6, "endraw") != 0) continue;
      i = skip_spaces(i + 6);
      char end_sign = 0;
      if (s_.compare(i, 3, "+%}") == 0 || s_.compare(i, 3, "-%}") == 0) {
        end_sign = s_[i];
        i += 3;
      } else if (s_.compare(i, 2, "%}") == 0) {
        i += 2;
      } else {
        continue;
      }
      emit_text(strip_before(s_.substr(body, at - body), sign, true), body);
      pos_ = after_end(i, end_sign, true);
      return;
    }
    error(tag, "missing end of raw directive");
  }

  void lex_comment(size_t tag, size_t from) {
    for (size_t at = s_.find("#}", from); at != std::string::npos; at = s_.find("#}", at + 1)) {
      const char sign = at > from && (s_[at - 1] == '-' || s_[at - 1] == '+') ? s_[at - 1] : 0;
      pos_ = after_end(at + 2, sign, true);
      return;
    }
    error(tag, "missing end of comment tag");
  }

  // Tokens of a {{ }} or {% %} tag up to its end marker.
  void lex_tag(bool variable, size_t tag, size_t i) {
    std::vector<char> balance;
    while (true) {
      if (i >= s_.size()) error(tag, std::string("unexpected end of template, expected '") + (variable ? "}}" : "%}") + "'");
      if (balance.empty()) {
        const char* close = variable ? "}}" : "%}";
        char sign = 0;
        size_t end = 0;
        if ((s_[i] == '-' || (!variable && s_[i] == '+')) && s_.compare(i + 1, 2, close) == 0) {
          sign = s_[i];
          end = i + 3;
        } else if (s_.compare(i, 2, close) == 0) {
          end = i + 2;
        }
        if (end) {
          push(variable ? Tok::VarEnd : Tok::BlockEnd, "", i);
          pos_ = after_end(end, sign, !variable);
          return;
        }
      }
      if (size_t n = space_at(i)) {
        i += n;
        continue;
      }
      if (lex_number(i)) continue;
      const char c = s_[i];
      if (is_name_start(c)) {
        size_t j = i + 1;
        while (j < s_.size() && is_name_char(s_[j])) ++j;
        push(Tok::Name, s_.substr(i, j - i), i);
        i = j;
      } else if (c == '\'' || c == '"') {
        i = lex_string(i);
      } else {
        i = lex_operator(i, balance);
      }
    }
  }

  // (\d+_)*\d+ starting at i; returns its end or i when there is none.
  size_t digits_end(size_t i) const {
    if (i >= s_.size() || !is_digit(s_[i])) return i;
    while (i < s_.size() && is_digit(s_[i])) ++i;
    while (i + 1 < s_.size() && s_[i] == '_' && is_digit(s_[i + 1])) {
      ++i;
      while (i < s_.size() && is_digit(s_[i])) ++i;
    }
    return i;
  }

  // End of "0b..."/"0o..."/"0x..." at i (setting `base`), or i when there is none.
  size_t prefixed_digits_end(size_t i, int& base) const {
    if (s_[i] != '0' || i + 2 >= s_.size()) return i;
    const char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s_[i + 1])));
    const int b = p == 'b' ? 2 : p == 'o' ? 8 : p == 'x' ? 16 : 0;
    if (b == 0) return i;
    size_t k = i + 2, end = i + 2;
    while (true) {
      const size_t m = k < s_.size() && s_[k] == '_' ? k + 1 : k;
      if (m >= s_.size() || hex_value(s_[m]) < 0 || hex_value(s_[m]) >= b) break;
      k = end = m + 1;
    }
    if (end == i + 2) return i;
    base = b;
    return end;
  }

  static std::string without_underscores(std::string t) {
    t.erase(std::remove(t.begin(), t.end(), '_'), t.end());
    return t;
  }

  bool lex_number(size_t& i) {
    if (!is_digit(s_[i])) return false;
    // Float: digits then (fraction? exponent | fraction), not right after a '.'.
    if (i == 0 || s_[i - 1] != '.') {
      const size_t whole = digits_end(i);
      size_t j = whole;
      if (j + 1 < s_.size() && s_[j] == '.' && digits_end(j + 1) > j + 1) j = digits_end(j + 1);
      size_t e = j;
      if (e < s_.size() && (s_[e] == 'e' || s_[e] == 'E')) {
        size_t k = e + 1;
        if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
        if (digits_end(k) > k) e = digits_end(k);
      }
      if (e > j || j > whole) {
        const std::string t = without_underscores(s_.substr(i, e - i));
        Token tok;
        tok.type = Tok::Float;
        tok.text = t;
        tok.number = std::strtod(t.c_str(), nullptr);
        tok.offset = i;
        out_.push_back(tok);
        i = e;
        return true;
      }
    }
    // Integer: 0b/0o/0x with digits (each may follow one '_'), decimal, or zeros.
    int base = 10;
    size_t j = prefixed_digits_end(i, base);
    if (j == i) {
      if (s_[i] == '0') {
        j = i + 1;
        while (j < s_.size() && (s_[j] == '0' || (s_[j] == '_' && j + 1 < s_.size() && s_[j + 1] == '0')))
          j += s_[j] == '_' ? 2 : 1;
      } else {
        j = digits_end(i);
      }
    }
    std::string t = without_underscores(s_.substr(i, j - i));
    if (base != 10) t = t.substr(2);
    errno = 0;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(t.c_str(), &end, base);
    if (errno != 0 || v > static_cast<unsigned long long>(INT64_MAX)) error(i, "integer literal out of range");
    Token tok;
    tok.type = Tok::Integer;
    tok.text = s_.substr(i, j - i);
    tok.integer = static_cast<int64_t>(v);
    tok.offset = i;
    out_.push_back(tok);
    i = j;
    return true;
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  }

  // A quoted literal, unescaped as Python's "unicode-escape" codec does.
  size_t lex_string(size_t start) {
    const char quote = s_[start];
    size_t i = start + 1;
    std::string value;
    while (true) {
      if (i >= s_.size()) error(start, "unterminated string literal");
      const char c = s_[i];
      if (c == quote) break;
      if (c != '\\') {
        value += c;
        ++i;
        continue;
      }
      if (i + 1 >= s_.size()) error(start, "unterminated string literal");
      const char d = s_[i + 1];
      i += 2;
      switch (d) {
        case '\n': break;
        case '\\': value += '\\'; break;
        case '\'': value += '\''; break;
        case '"': value += '"'; break;
        case 'a': value += '\a'; break;
        case 'b': value += '\b'; break;
        case 'f': value += '\f'; break;
        case 'n': value += '\n'; break;
        case 'r': value += '\r'; break;
        case 't': value += '\t'; break;
        case 'v': value += '\v'; break;
        case 'x':
        case 'u':
        case 'U': {
          const int n = d == 'x' ? 2 : d == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (int k = 0; k < n; ++k, ++i) {
            const int h = i < s_.size() && s_[i] != quote ? hex_value(s_[i]) : -1;
            if (h < 0) error(i, std::string("truncated \\") + d + " escape in string literal");
            cp = cp * 16 + static_cast<uint32_t>(h);
          }
          if (cp > 0x10FFFF) error(i, "illegal Unicode character in string literal");
          append_utf8(value, (cp >= 0xD800 && cp <= 0xDFFF) ? 0xFFFD : static_cast<char32_t>(cp));
          break;
        }
        default:
          if (d >= '0' && d <= '7') {
            uint32_t cp = static_cast<uint32_t>(d - '0');
            for (int k = 0; k < 2 && i < s_.size() && s_[i] >= '0' && s_[i] <= '7'; ++k, ++i) cp = cp * 8 + (s_[i] - '0');
            append_utf8(value, static_cast<char32_t>(cp));
          } else if (d == 'N') {
            error(i - 2, "\\N{...} escapes are not supported");
          } else {
            value += '\\';
            value += d;
          }
      }
    }
    push(Tok::String, std::move(value), start);
    return i + 1;
  }

  size_t lex_operator(size_t i, std::vector<char>& balance) {
    static const char* const kTwo[] = {"//", "**", "==", "!=", ">=", "<="};
    for (const char* op : kTwo)
      if (s_.compare(i, 2, op) == 0) {
        push(Tok::Op, op, i);
        return i + 2;
      }
    const char c = s_[i];
    if (!std::strchr("+-/*%~[](){}><=.:|,;", c)) {
      size_t j = i;
      const char32_t cp = next_code_point(s_, j);
      std::string shown;
      append_utf8(shown, cp);
      error(i, "unexpected char '" + shown + "'");
    }
    if (c == '(' || c == '[' || c == '{') balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
    if (c == ')' || c == ']' || c == '}') {
      if (balance.empty()) error(i, std::string("unexpected '") + c + "'");
      if (balance.back() != c) error(i, std::string("unexpected '") + c + "', expected '" + balance.back() + "'");
      balance.pop_back();
    }
    push(Tok::Op, std::string(1, c), i);
    return i + 1;
  }

  const SourceText& src_;
  const std::string& s_;
  size_t pos_ = 0;
  bool line_starting_ = true;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> tokenize(const SourceText& source) { return Lexer(source).run(); }

}  // namespace vlsi::text::jinja
