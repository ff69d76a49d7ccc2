#pragma once
// The tokenizer.json "model" of type BPE over byte-level symbols. Words are
// raw UTF-8 bytes; each byte starts as the symbol of its GPT-2 character, then
// the lowest-ranked adjacent pair is merged until none applies (leftmost
// first on equal rank), exactly as the reference's priority queue does.
// Results are cached per word: real text repeats words constantly.
#include <array>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vlsi::text {

class BpeModel {
 public:
  // `where` names the file; errors cite "field 'model.<key>'".
  static BpeModel from_json(const nlohmann::json& model, const std::string& where);
  BpeModel(BpeModel&&) noexcept;
  BpeModel& operator=(BpeModel&&) noexcept;
  ~BpeModel();

  // Makes the token string `content` resolve to `id` (added tokens win over
  // vocabulary entries with the same string, as in the reference).
  void set_token_id(const std::string& content, int64_t id);

  // Id of a token string (byte-level form), -1 when unknown.
  int64_t token_id(const std::string& token) const;

  // Appends the ids of one pre-token. Thread-safe.
  void encode_word(std::string_view bytes, std::vector<int64_t>& out) const;

  // Vocabulary as loaded (byte-level strings -> id), without added tokens.
  const std::vector<std::pair<std::string, int64_t>>& vocab() const { return vocab_; }
  nlohmann::json to_json() const;

 private:
  BpeModel();
  int32_t symbol(const std::string& s);  // interns a symbol string
  void merge_word(std::vector<int32_t>& syms) const;
  void merge_word_heap(std::vector<int32_t>& syms) const;

  struct MergeTable;
  struct Cache;

  std::vector<std::pair<std::string, int64_t>> vocab_;
  std::vector<std::string> sym_str_;
  std::unordered_map<std::string, int32_t> sym_index_;
  std::vector<int64_t> sym_out_;  // final id of each symbol, -1 when not in the vocabulary
  std::array<int32_t, 256> byte_sym_{};
  std::vector<std::pair<int32_t, int32_t>> merges_;  // in rank order, as in the file
  std::unique_ptr<MergeTable> table_;
  std::unique_ptr<Cache> cache_;
  int64_t unk_id_ = -1;
  std::string unk_token_;
  bool ignore_merges_ = false;
};

}  // namespace vlsi::text
