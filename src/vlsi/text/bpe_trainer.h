#pragma once
// Learns a byte-level BPE tokenizer from text, with the same NFC + Qwen2
// split regex + ByteLevel pre-tokenisation the Tokenizer applies, and writes
// a tokenizer.json that both our loader and the `tokenizers` library load.
//
// Vocabulary layout: ids 0..255 are the 256 single bytes (in byte order),
// then one id per learned merge, then the special tokens in the given order
// (added tokens with special=true). vocab_size counts all of them.
//
// Merge choice is deterministic: the most frequent adjacent pair wins; equal
// counts go to the pair with the smaller (left id, right id), i.e. the one
// made of older tokens. Word counts do not depend on the order texts arrive.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vlsi/text/added_tokens.h"
#include "vlsi/text/pre_tokenizer.h"

namespace vlsi::text {

struct BpeTrainerOptions {
  int64_t vocab_size = 8192;                // total, bytes and special tokens included
  std::vector<std::string> special_tokens;  // e.g. <|endoftext|>, <|im_start|>, <|im_end|>, <image>
  int64_t min_frequency = 2;                // pairs seen fewer times are never merged
};

class BpeTrainer {
 public:
  explicit BpeTrainer(BpeTrainerOptions options);

  // Counts the pre-tokens of one text (special tokens in it are cut out first).
  void add_text(std::string_view text);
  int64_t distinct_words() const { return static_cast<int64_t>(word_counts_.size()); }

  // Runs the merges and returns the tokenizer.json content. Stops early
  // (smaller vocabulary) when no pair reaches min_frequency.
  nlohmann::json train() const;

 private:
  BpeTrainerOptions options_;
  PreTokenizer pre_;
  std::vector<AddedToken> specials_;
  AddedTokenSplitter special_splitter_;
  std::unordered_map<std::string, int64_t> word_counts_;
};

}  // namespace vlsi::text
