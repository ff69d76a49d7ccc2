#include "vlsi/model/qwen2_5_vl/config_json.h"

#include "vlsi/io/error.h"
#include "vlsi/model/config_limits.h"
#include "vlsi/model/qwen2_vl/config_json.h"

namespace vlsi::model::qwen2_5_vl {

VlmConfig config_from_json(const json& j, const std::string& where) {
  VlmConfig c;
  const json& vision = qwen2_vl::read_shared_fields(j, where, "Qwen2_5_VLForConditionalGeneration", c);
  c.qwen2_5_vision_config = Qwen25VisionConfig::from_json(vision, where + ": vision_config");
  return c;
}

json config_to_json(const VlmConfig& c) {
  json j = qwen2_vl::shared_to_json(c);
  j["vision_config"] = c.qwen2_5_vision_config.to_json();
  return j;
}

void validate_config(const VlmConfig& c, const std::string& where) {
  c.qwen2_5_vision_config.validate(where + ": vision_config");
  check_size_limits(c, where);
  qwen2_vl::validate_shared(c, c.qwen2_5_vision_config.out_hidden_size, "out_hidden_size", where);
}

double parameter_count(const VlmConfig& c) {
  const Qwen25VisionConfig& v = c.qwen2_5_vision_config;
  const double E = double(v.hidden_size), I = double(v.intermediate_size), O = double(v.out_hidden_size);
  const double M = E * double(v.spatial_merge_size * v.spatial_merge_size);
  const double patch = E * double(v.patch_values());
  // Two RMSNorms, qkv and proj with bias, gate/up/down with bias.
  const double block = 2 * E + (3 * E * E + 3 * E) + (E * E + E) + 2 * (E * I + I) + (I * E + E);
  const double merger = E + (M * M + M) + (M * O + O);
  return patch + double(v.depth) * block + merger + text_parameters(c.text_config, c.tie_word_embeddings);
}

void check_tower_limits(const VlmConfig& c, const std::string& where) {
  using L = ConfigSizeLimits;
  const Qwen25VisionConfig& v = c.qwen2_5_vision_config;
  const std::string vw = where + ": vision_config";
  check_at_most(v.depth, L::kLayers, vw, "depth");
  check_at_most(v.hidden_size, L::kHiddenSize, vw, "hidden_size");
  check_at_most(v.out_hidden_size, L::kHiddenSize, vw, "out_hidden_size");
  check_at_most(v.num_heads, L::kHeads, vw, "num_heads");
  check_at_most(v.intermediate_size, L::kIntermediateSize, vw, "intermediate_size");
  check_at_most(v.in_channels, L::kChannels, vw, "in_channels");
  check_at_most(v.patch_size, L::kImageSize, vw, "patch_size");
  check_at_most(v.window_size, L::kImageSize, vw, "window_size");
  check_at_most(v.temporal_patch_size, L::kChannels, vw, "temporal_patch_size");
  check_at_most(v.spatial_merge_size, L::kChannels, vw, "spatial_merge_size");
  check_at_most(int64_t(v.fullatt_block_indexes.size()), L::kLayers, vw, "fullatt_block_indexes");
}

}  // namespace vlsi::model::qwen2_5_vl
