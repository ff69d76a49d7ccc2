#pragma once
// UTF-8 helpers shared by the tokenizer, the trainer and the chat template.
// Invalid input is repaired by the Unicode "maximal subpart" rule (each broken
// sequence becomes one U+FFFD), as Python's and Rust's lossy UTF-8 decoders
// and the WHATWG decoder do, so raw bytes reach our encoder as the same text
// a Python str handed to the tokenizers library would hold.
#include <cstdint>
#include <string>
#include <string_view>

namespace vlsi::text {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Replaces every invalid sequence with U+FFFD (WHATWG decoder semantics).
std::string sanitize_utf8(std::string_view s);

// Decodes the code point starting at `i` of valid UTF-8 and moves `i` past it.
char32_t next_code_point(std::string_view s, size_t& i);
void append_utf8(std::string& out, char32_t cp);

enum class NormalForm { NFC, NFD, NFKC, NFKD };
// Unicode normalisation through utf8proc; input must be valid UTF-8.
std::string normalize_unicode(std::string_view s, NormalForm form);

// Unicode's White_Space property, what Rust's char::is_whitespace and
// Oniguruma's \s test (the tokenizers library strips and splits with these):
// includes U+0085, excludes U+FEFF (unlike JavaScript's \s and String.trim).
bool is_white_space(char32_t cp);
std::string_view trim_white_space_start(std::string_view s);
std::string_view trim_white_space_end(std::string_view s);

}  // namespace vlsi::text
