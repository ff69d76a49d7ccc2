#pragma once
// tokenizer.json split patterns are written for Oniguruma (the Rust tokenizers
// crate). We compile them with PCRE2, giving them the meaning the reference
// @huggingface/tokenizers (JS) gives them, so both split text identically:
//   \s -> Unicode White_Space (not JS \s: U+0085 yes, U+FEFF no), \d -> \p{Nd},
//   \w -> Alphabetic|M|Nd|Pc (+ a few Latin-1 digits outside classes),
//   (?i:...) folds ASCII letters only, '.' excludes only \n, ^/$ are line
//   anchors on \n, possessive/atomic forms become greedy/plain groups, and
//   "X{n}+" stacks quantifiers. Constructs the reference cannot express
//   (nested classes, &&, complements inside classes, inline flags other than
//   (?i:) fail with a one-line vlsi::Error naming `where`.
#include <string>

namespace vlsi::text {

std::string oniguruma_to_pcre2(const std::string& pattern, const std::string& where);

}  // namespace vlsi::text
