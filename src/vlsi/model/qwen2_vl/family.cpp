#include "vlsi/model/qwen2_vl/family.h"

#include <cstdio>

#include "vlsi/io/string_util.h"
#include "vlsi/model/qwen2_vl/config_json.h"
#include "vlsi/model/qwen2_vl/qwen2_vl_model.h"

namespace vlsi::model::qwen2_vl {

namespace {

// transformers' newer layout (model.visual.*, model.language_model.*) -> the
// legacy one it still saves (visual.*, model.*); lm_head.* is the same in both.
std::string parameter_name(const std::string& n) {
  if (io::starts_with(n, "model.visual.")) return n.substr(6);
  if (io::starts_with(n, "model.language_model.")) return "model." + n.substr(21);
  return n;
}

std::vector<std::string> describe(const VlmConfig& c) {
  const Qwen2VisionConfig& v = c.qwen2_vision_config;
  char line[256];
  std::snprintf(line, sizeof line,
                "vision            %lld blocks, width %lld, %lld heads, patch %lldx%lld x %lld frames, merge %lldx%lld "
                "-> hidden %lld; M-RoPE sections %lld/%lld/%lld",
                (long long)v.depth, (long long)v.embed_dim, (long long)v.num_heads, (long long)v.patch_size,
                (long long)v.patch_size, (long long)v.temporal_patch_size, (long long)v.spatial_merge_size,
                (long long)v.spatial_merge_size, (long long)v.hidden_size, (long long)c.text_config.mrope_section[0],
                (long long)c.text_config.mrope_section[1], (long long)c.text_config.mrope_section[2]);
  return {line};
}

}  // namespace

ModelFamily shared_family(std::function<TowerPatchSizes(const VlmConfig&)> tower) {
  ModelFamily f;
  f.parameter_name = parameter_name;
  f.ignores_tensor = [](const std::string& name, const VlmConfig& c) {
    return c.tie_word_embeddings && name == "lm_head.weight";
  };
  // Both layouts name the vision tower "...visual.".
  f.peft_exclude_modules = R"(.*visual\..*)";
  f.token_fields = {{"image_token_id", "<|image_pad|>"},
                    {"video_token_id", "<|video_pad|>"},
                    {"vision_start_token_id", "<|vision_start|>"},
                    {"vision_end_token_id", "<|vision_end|>"}};
  f.load_processor = [tower](const std::string& folder, const VlmConfig& c) -> std::unique_ptr<VisionProcessor> {
    return std::make_unique<Qwen2VlProcessor>(Qwen2VlProcessor::load(folder, tower(c)));
  };
  f.default_processor = [tower](const VlmConfig& c) -> std::unique_ptr<VisionProcessor> {
    return std::make_unique<Qwen2VlProcessor>(Qwen2VlProcessor::for_model(tower(c)));
  };
  return f;
}

ModelFamily family() {
  ModelFamily f = shared_family([](const VlmConfig& c) {
    const Qwen2VisionConfig& v = c.qwen2_vision_config;
    return TowerPatchSizes{v.patch_size, v.temporal_patch_size, v.spatial_merge_size};
  });
  f.model_type = "qwen2_vl";
  f.architectures = {"Qwen2VLForConditionalGeneration"};
  f.config_from_json = config_from_json;
  f.config_to_json = config_to_json;
  f.validate_config = validate_config;
  f.parameter_count = parameter_count;
  f.check_tower_limits = check_tower_limits;
  f.describe = describe;
  f.create = [](const VlmConfig& c) {
    return CausalVlm(std::shared_ptr<CausalVlmImpl>(std::make_shared<Qwen2VlForConditionalGenerationImpl>(c)));
  };
  return f;
}

}  // namespace vlsi::model::qwen2_vl
