#pragma once
// The tokenizer.json "normalizer": Unicode normal forms (NFC for Qwen2/3), or
// a Sequence of them, or none. Anything else is rejected with the field name.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "vlsi/text/utf8.h"

namespace vlsi::text {

class Normalizer {
 public:
  Normalizer() = default;  // identity
  // `where` names the file; errors cite "field 'normalizer...'".
  static Normalizer from_json(const nlohmann::json& config, const std::string& where);

  bool is_identity() const { return forms_.empty(); }
  std::string apply(std::string_view text) const;
  const nlohmann::json& config() const { return config_; }

 private:
  std::vector<NormalForm> forms_;
  nlohmann::json config_ = nullptr;
};

}  // namespace vlsi::text
