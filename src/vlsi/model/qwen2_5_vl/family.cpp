#include "vlsi/model/qwen2_5_vl/family.h"

#include <cstdio>

#include "vlsi/model/qwen2_5_vl/config_json.h"
#include "vlsi/model/qwen2_5_vl/qwen2_5_vl_model.h"
#include "vlsi/model/qwen2_vl/family.h"

namespace vlsi::model::qwen2_5_vl {

namespace {

std::vector<std::string> describe(const VlmConfig& c) {
  const Qwen25VisionConfig& v = c.qwen2_5_vision_config;
  std::string full;
  for (int64_t b : v.fullatt_block_indexes)
    if (b < v.depth) full += (full.empty() ? "" : ",") + std::to_string(b);
  char line[320];
  std::snprintf(line, sizeof line,
                "vision            %lld blocks (full attention: %s; windows of %lld px elsewhere), width %lld, "
                "%lld heads, patch %lldx%lld x %lld frames, merge %lldx%lld -> hidden %lld; M-RoPE sections "
                "%lld/%lld/%lld",
                (long long)v.depth, full.empty() ? "none" : full.c_str(), (long long)v.window_size,
                (long long)v.hidden_size, (long long)v.num_heads, (long long)v.patch_size, (long long)v.patch_size,
                (long long)v.temporal_patch_size, (long long)v.spatial_merge_size, (long long)v.spatial_merge_size,
                (long long)v.out_hidden_size, (long long)c.text_config.mrope_section[0],
                (long long)c.text_config.mrope_section[1], (long long)c.text_config.mrope_section[2]);
  return {line};
}

}  // namespace

ModelFamily family() {
  // Qwen2_5_VLProcessor ships Qwen2VLImageProcessor: the processor is Qwen2-VL's.
  ModelFamily f = qwen2_vl::shared_family([](const VlmConfig& c) {
    const Qwen25VisionConfig& v = c.qwen2_5_vision_config;
    return qwen2_vl::TowerPatchSizes{v.patch_size, v.temporal_patch_size, v.spatial_merge_size};
  });
  f.model_type = "qwen2_5_vl";
  f.architectures = {"Qwen2_5_VLForConditionalGeneration"};
  f.config_from_json = config_from_json;
  f.config_to_json = config_to_json;
  f.validate_config = validate_config;
  f.parameter_count = parameter_count;
  f.check_tower_limits = check_tower_limits;
  f.describe = describe;
  f.create = [](const VlmConfig& c) {
    return CausalVlm(std::shared_ptr<CausalVlmImpl>(std::make_shared<Qwen25VlForConditionalGenerationImpl>(c)));
  };
  return f;
}

}  // namespace vlsi::model::qwen2_5_vl
