#pragma once
// PCRE2 patterns the pre-tokenizers use that are not translated from a
// tokenizer.json regex (those go through regex_translate.h).
#include <string>

namespace vlsi::text {

// GPT-2's pattern as ByteLevel(use_regex=true) applies it. The reference runs
// it with Oniguruma, so here \s is Unicode's White_Space property.
const std::string& byte_level_gpt2_pattern();

// A literal string as a PCRE2 pattern (Split with {"String": ...}).
std::string pcre2_escape_literal(const std::string& s);

}  // namespace vlsi::text
