#pragma once
// What every encode must satisfy, whatever the text (fuzz targets tokenizer_*).
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "vlsi/text/normalizer.h"
#include "vlsi/text/tokenizer.h"
#include "vlsi/text/utf8.h"

namespace vlsi::fuzz {

// Encodes `text` with and without special-token parsing: ids lie in the
// vocabulary, and decoding gives valid UTF-8 (invalid input became U+FFFD).
// With `normalizer`, valid UTF-8 must come back as the normaliser's output
// (byte-level BPE loses nothing).
inline void check_encode_decode(const text::Tokenizer& tok, std::string_view text,
                                const text::Normalizer* normalizer = nullptr) {
  for (bool parse_special : {true, false}) {
    const auto ids = tok.encode(text, parse_special);
    for (int64_t id : ids) require(id >= 0 && id < tok.vocab_size(), "encoded ids lie in the vocabulary");
    const std::string back = tok.decode(ids);
    require(text::is_valid_utf8(back), "decode() returns valid UTF-8");
    tok.decode(ids, /*skip_special=*/true);
    tok.decode_bytes(ids);
    if (normalizer && !parse_special && text::is_valid_utf8(text))
      require(back == normalizer->apply(text), "decode(encode(text)) is the normalised text");
  }
}

}  // namespace vlsi::fuzz
