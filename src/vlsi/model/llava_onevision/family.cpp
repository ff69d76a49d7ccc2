#include "vlsi/model/llava_onevision/family.h"

#include <cstdio>

#include "vlsi/io/string_util.h"
#include "vlsi/model/llava_onevision/config_json.h"
#include "vlsi/model/llava_onevision/llava_onevision_model.h"
#include "vlsi/model/llava_onevision/processor.h"
#include "vlsi/model/model_io.h"

namespace vlsi::model::llava_onevision {

namespace {

std::vector<std::string> describe(const VlmConfig& c) {
  char vision[256], anyres[256];
  std::snprintf(vision, sizeof vision,
                "vision            %lld layers, hidden %lld, tile %lld px, patch %lld -> %lld features per tile",
                (long long)c.vision_config.num_hidden_layers, (long long)c.vision_config.hidden_size,
                (long long)c.vision_config.image_size, (long long)c.vision_config.patch_size,
                (long long)c.tile_features());
  std::snprintf(anyres, sizeof anyres, "anyres            %zu grid pinpoints (largest %lldx%lld), %s",
                c.image_grid_pinpoints.size(), (long long)c.image_grid_pinpoints.back()[0],
                (long long)c.image_grid_pinpoints.back()[1], c.vision_aspect_ratio.c_str());
  return {vision, anyres};
}

}  // namespace

ModelFamily family() {
  ModelFamily f;
  f.model_type = "llava_onevision";
  f.architectures = {"LlavaOnevisionForConditionalGeneration"};
  f.config_from_json = config_from_json;
  f.config_to_json = config_to_json;
  f.validate_config = validate_config;
  f.parameter_count = parameter_count;
  f.check_tower_limits = check_tower_limits;
  f.parameter_name = legacy_parameter_name;
  f.ignores_tensor = [](const std::string& name, const VlmConfig& c) {
    // SigLIP's pooling head, which LLaVA never uses; the head when tied.
    return io::starts_with(name, "vision_tower.vision_model.head.") ||
           (c.tie_word_embeddings && name == "language_model.lm_head.weight");
  };
  // Both transformers layouts name the LLM "...language_model.".
  f.peft_exclude_modules = R"((?!.*language_model\.).*)";
  f.describe = describe;
  f.token_fields = {{"image_token_index", "<image>"}, {"video_token_index", "<video>"}};
  f.create = [](const VlmConfig& c) {
    return CausalVlm(std::shared_ptr<CausalVlmImpl>(std::make_shared<LlavaOnevisionForConditionalGenerationImpl>(c)));
  };
  f.load_processor = [](const std::string& folder, const VlmConfig& c) -> std::unique_ptr<VisionProcessor> {
    return std::make_unique<LlavaOnevisionProcessor>(LlavaOnevisionProcessor::load(folder, c));
  };
  f.default_processor = [](const VlmConfig& c) -> std::unique_ptr<VisionProcessor> {
    return std::make_unique<LlavaOnevisionProcessor>(LlavaOnevisionProcessor::for_model(c));
  };
  return f;
}

}  // namespace vlsi::model::llava_onevision
