#include "vlsi/model/qwen2_text/family.h"

#include "vlsi/io/json_util.h"
#include "vlsi/model/config_limits.h"
#include "vlsi/model/qwen2_text/qwen2_causal_lm.h"
#include "vlsi/model/qwen2_text/text_only_processor.h"

namespace vlsi::model::qwen2 {

namespace {

// Qwen2Config is flat: the decoder's fields at the top level.
VlmConfig config_from_json(const json& j, const std::string& where) {
  VlmConfig c;
  read_common_fields(j, where, "Qwen2ForCausalLM", c);
  c.text_config = TextConfig::from_json(j, where);
  c.tie_word_embeddings = c.text_config.tie_word_embeddings;
  c.image_token_index = c.video_token_index = -1;
  return c;
}

json config_to_json(const VlmConfig& c) {
  json j = c.text_config.to_json();
  j["architectures"] = c.architectures;
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["initializer_range"] = c.initializer_range;
  return j;
}

}  // namespace

ModelFamily family() {
  ModelFamily f;
  f.model_type = "qwen2";
  f.architectures = {"Qwen2ForCausalLM"};
  f.config_from_json = config_from_json;
  f.config_to_json = config_to_json;
  f.validate_config = [](const VlmConfig& c, const std::string& where) {
    check(!c.has_vision(), where, ": a text-only model has no image token");
    check(c.tie_word_embeddings == c.text_config.tie_word_embeddings, where,
          ": tie_word_embeddings disagrees with the decoder's");
    check_size_limits(c, where);
  };
  f.parameter_count = [](const VlmConfig& c) { return text_parameters(c.text_config, c.tie_word_embeddings); };
  f.parameter_name = [](const std::string& name) { return name; };
  f.ignores_tensor = [](const std::string& name, const VlmConfig& c) {
    return c.tie_word_embeddings && name == "lm_head.weight";
  };
  f.peft_exclude_modules = "";  // nothing beside the language model
  f.describe = [](const VlmConfig&) { return std::vector<std::string>{"vision            none (text only)"}; };
  f.create = [](const VlmConfig& c) {
    return CausalVlm(std::shared_ptr<CausalVlmImpl>(std::make_shared<Qwen2CausalLmImpl>(c)));
  };
  f.load_processor = [](const std::string&, const VlmConfig& c) -> std::unique_ptr<VisionProcessor> {
    return std::make_unique<TextOnlyProcessor>(c.model_type);
  };
  f.default_processor = [](const VlmConfig& c) -> std::unique_ptr<VisionProcessor> {
    return std::make_unique<TextOnlyProcessor>(c.model_type);
  };
  return f;
}

}  // namespace vlsi::model::qwen2
