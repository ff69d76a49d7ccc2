#pragma once
// A Hugging Face tokenizer.json of the byte-level BPE kind Qwen2/Qwen3 use:
// NFC normaliser, Split(regex, Isolated) + ByteLevel pre-tokeniser, BPE model,
// added/special tokens, ByteLevel decoder. Encoding is id-for-id what the
// reference @huggingface/tokenizers (JS) produces; tests/text checks it on
// the real Qwen3 tokenizer. Anything else fails with a one-line vlsi::Error
// naming the file and the field.
//
// Text is UTF-8. Invalid bytes are first replaced by U+FFFD per the WHATWG
// decoder (what the same bytes become in a JS string), so they encode as the
// U+FFFD token sequence and decode() never returns invalid UTF-8.
//
// Copies share one immutable state (plus a thread-safe word cache), so a
// Tokenizer is cheap to copy and safe to use from many threads.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vlsi/text/added_tokens.h"

namespace vlsi::text {

class Tokenizer {
 public:
  static Tokenizer from_file(const std::string& path);
  // `where` names the source (a file name) in error messages.
  static Tokenizer from_json(const nlohmann::json& j, const std::string& where);

  // parse_special=false treats special tokens written in the text as plain
  // text (non-special added tokens are still recognised), like HF's
  // split_special_tokens. The reference has no such switch: it always parses.
  std::vector<int64_t> encode(std::string_view text, bool parse_special = true) const;
  // Ids -> text. Added tokens appear verbatim; skip_special drops special
  // ones. Unknown ids fail. No clean-up of spaces (Qwen sets it off).
  std::string decode(const std::vector<int64_t>& ids, bool skip_special = false) const;
  // Like decode() but returns the raw bytes, which may end inside a UTF-8
  // character: for streaming output token by token.
  std::string decode_bytes(const std::vector<int64_t>& ids, bool skip_special = false) const;

  // Token string (byte-level form, or an added token's content) <-> id.
  std::optional<int64_t> token_to_id(std::string_view token) const;
  std::string id_to_token(int64_t id) const;
  // One past the largest id, added tokens included.
  int64_t vocab_size() const;
  bool is_special(int64_t id) const;
  const std::vector<AddedToken>& added_tokens() const;

  // The tokenizer.json content (vocabulary, merges, added tokens and the
  // normaliser/pre-tokeniser/decoder configuration as loaded).
  nlohmann::json to_json() const;
  void save(const std::string& path) const;

  struct Impl;

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace vlsi::text
