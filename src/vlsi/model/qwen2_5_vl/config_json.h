#pragma once
// Qwen2_5_VLConfig's config.json: Qwen2-VL's layout (the decoder nested in
// text_config as 4.57 writes it, or flat as the published checkpoints have
// it; model/qwen2_vl/config_json.h reads both) around Qwen2.5-VL's
// vision_config (Qwen25VisionConfig, model/config.h).
#include "vlsi/model/config.h"

namespace vlsi::model::qwen2_5_vl {

VlmConfig config_from_json(const json& j, const std::string& where);
json config_to_json(const VlmConfig& c);
void validate_config(const VlmConfig& c, const std::string& where);
double parameter_count(const VlmConfig& c);
void check_tower_limits(const VlmConfig& c, const std::string& where);

}  // namespace vlsi::model::qwen2_5_vl
