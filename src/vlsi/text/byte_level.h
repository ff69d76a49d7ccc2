#pragma once
// GPT-2's reversible byte <-> printable character table: every byte gets a
// visible code point (printable Latin-1 maps to itself, the rest to U+0100..),
// so byte-level BPE vocabularies are plain strings in tokenizer.json.
#include <cstdint>
#include <string>
#include <string_view>

namespace vlsi::text {

// The code point standing for byte `b`.
char32_t byte_to_char(uint8_t b);
// The byte a code point stands for, or -1 when it is not in the table.
int char_to_byte(char32_t cp);
// UTF-8 of byte_to_char(b), precomputed.
const std::string& byte_symbol(uint8_t b);

// Raw bytes -> byte-level string ("Hi there" -> "HiĠthere").
std::string bytes_to_byte_level(std::string_view bytes);
// Byte-level string -> raw bytes. Characters outside the table are kept as
// their own UTF-8 (they only occur in hand-written vocabularies).
std::string byte_level_to_bytes(std::string_view s);

}  // namespace vlsi::text
