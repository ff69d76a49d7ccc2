#pragma once
// The tokenizer.json "pre_tokenizer" for byte-level BPE: zero or more regex
// Splits (behavior Isolated) followed by ByteLevel, as a Sequence, or a lone
// ByteLevel (which then splits with GPT-2's own regex when use_regex=true).
// Pieces stay raw UTF-8 bytes; the BPE model applies the byte->char table.
#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "vlsi/text/regex.h"

namespace vlsi::text {

// Qwen2/Qwen3's pre_tokenizer: Split(their regex, Isolated) then
// ByteLevel(add_prefix_space=false, use_regex=false).
nlohmann::json qwen2_pre_tokenizer_config();

class PreTokenizer {
 public:
  static PreTokenizer from_json(const nlohmann::json& config, const std::string& where);

  // Splits valid, normalised UTF-8 into pieces. Views point into `text` or
  // into `arena` (pieces that gained a prefix space), which must outlive them.
  void split(std::string_view text, std::vector<std::string_view>& pieces, std::deque<std::string>& arena) const;

  const nlohmann::json& config() const { return config_; }

 private:
  std::vector<Regex> splits_;  // applied in order, each to every piece
  bool add_prefix_space_ = false;
  bool use_regex_ = false;
  std::vector<Regex> byte_level_regex_;  // GPT-2 pattern when use_regex_
  nlohmann::json config_;
};

}  // namespace vlsi::text
