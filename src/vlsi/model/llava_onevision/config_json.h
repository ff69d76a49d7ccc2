#pragma once
// LlavaOnevisionConfig's config.json: text_config (Qwen2), vision_config
// (SigLIP), the image/video token ids and the anyres fields.
#include "vlsi/model/config.h"

namespace vlsi::model::llava_onevision {

VlmConfig config_from_json(const json& j, const std::string& where);
json config_to_json(const VlmConfig& c);
// What only this family checks (VlmConfig::validate does the rest), the
// size limits included.
void validate_config(const VlmConfig& c, const std::string& where);
// Parameters the config describes, and its towers' sizes against the limits.
double parameter_count(const VlmConfig& c);
void check_tower_limits(const VlmConfig& c, const std::string& where);

}  // namespace vlsi::model::llava_onevision
