#pragma once
// Qwen2VLConfig's config.json. transformers 4.57 writes the decoder's fields
// nested in text_config; the published checkpoints have them at the top level
// (the older layout, which transformers still reads): both are read, the
// nested one is written.
#include "vlsi/model/config.h"

namespace vlsi::model::qwen2_vl {

VlmConfig config_from_json(const json& j, const std::string& where);
json config_to_json(const VlmConfig& c);
void validate_config(const VlmConfig& c, const std::string& where);
double parameter_count(const VlmConfig& c);
void check_tower_limits(const VlmConfig& c, const std::string& where);

}  // namespace vlsi::model::qwen2_vl
