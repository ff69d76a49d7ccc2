#pragma once
// Qwen2VLConfig's config.json. transformers 4.57 writes the decoder's fields
// nested in text_config; the published checkpoints have them at the top level
// (the older layout, which transformers still reads): both are read, the
// nested one is written. Qwen2.5-VL's config.json has the same layout around
// its own vision_config (model/qwen2_5_vl/config_json.h): the shared part is here.
#include "vlsi/model/config.h"

namespace vlsi::model::qwen2_vl {

// What Qwen2VLConfig and Qwen2_5_VLConfig share: the common fields, the
// decoder (nested in text_config with model_type + "_text", or flat), its
// tying and the vision token ids. Returns the vision_config object (required).
const json& read_shared_fields(const json& j, const std::string& where, const std::string& architecture, VlmConfig& c);
// config.json as transformers 4.57 writes it, without vision_config.
json shared_to_json(const VlmConfig& c);
// M-RoPE present, the merger's output (vision_config.`merger_field`) as wide
// as the decoder, the image and vision-start tokens inside the vocabulary.
void validate_shared(const VlmConfig& c, int64_t merger_width, const char* merger_field, const std::string& where);

VlmConfig config_from_json(const json& j, const std::string& where);
json config_to_json(const VlmConfig& c);
void validate_config(const VlmConfig& c, const std::string& where);
double parameter_count(const VlmConfig& c);
void check_tower_limits(const VlmConfig& c, const std::string& where);

}  // namespace vlsi::model::qwen2_vl
