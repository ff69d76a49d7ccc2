#pragma once
// Jinja's lexer with transformers' settings (trim_blocks and lstrip_blocks on):
// template text, {{ }}, {% %} (with "-" and "+" whitespace control), {# #}
// comments and {% raw %} blocks become one token list. Whitespace handling
// follows jinja2's lexer rule by rule, since rendered chat templates must
// match byte for byte:
//  - "{%-", "{{-", "{#-" strip all whitespace before the tag; "-%}", "-}}",
//    "-#}" strip all whitespace after it;
//  - trim_blocks: one newline right after "%}" or "#}" is dropped;
//  - lstrip_blocks: spaces and tabs between the start of a line and "{%" or
//    "{#" are dropped ("+" after the opener keeps them).
#include <cstdint>
#include <string>
#include <vector>

#include "vlsi/text/jinja/source_text.h"

namespace vlsi::text::jinja {

enum class Tok { Text, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Integer, Float, Op, End };

struct Token {
  Tok type = Tok::End;
  std::string text;  // Text: the data; Name; String: the unescaped value; Op: the operator
  int64_t integer = 0;
  double number = 0;
  size_t offset = 0;  // where the token starts in SourceText::text()
};

// Throws vlsi::Error "name:line:col: what" on malformed input.
std::vector<Token> tokenize(const SourceText& source);

}  // namespace vlsi::text::jinja
