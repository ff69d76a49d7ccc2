#pragma once
// Model families by config.json's model_type. Everything outside model/ gets
// its model and processor here and never names a family: adding one means a
// folder under model/ and a line in registry.cpp.
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/model/causal_vlm.h"
#include "vlsi/model/config.h"
#include "vlsi/model/vision_processor.h"

namespace vlsi::model {

struct ModelFamily {
  std::string model_type;                  // config.json's model_type
  std::vector<std::string> architectures;  // config.json's architectures it accepts (the first is written)
  // config.json <-> VlmConfig (VlmConfig::from_json / to_json dispatch here).
  std::function<VlmConfig(const json& j, const std::string& where)> config_from_json;
  std::function<json(const VlmConfig& config)> config_to_json;
  // The family's own checks, its towers' and the size limits (check_size_limits) included.
  std::function<void(const VlmConfig& config, const std::string& where)> validate_config;
  // Parameters the config describes (a double: limits are checked on it before any
  // integer could overflow), and the vision tower's sizes against the limits (may be empty).
  std::function<double(const VlmConfig& config)> parameter_count;
  std::function<void(const VlmConfig& config, const std::string& where)> check_tower_limits;
  // A checkpoint tensor's name -> the model's parameter name (transformers has
  // written two layouts); and which checkpoint tensors the model does not use.
  std::function<std::string(const std::string& checkpoint_name)> parameter_name;
  std::function<bool(const std::string& parameter_name, const VlmConfig& config)> ignores_tensor;
  // adapter_config.json's exclude_modules: a regex peft full-matches against
  // module names, matching every module outside the language model.
  std::string peft_exclude_modules;
  // config.json's token-id fields and the token text each names, the image
  // token first ({"image_token_index", "<image>"}, ...); empty for text only.
  // A new model's config takes the ids from its tokenizer (train/model_setup.h).
  std::vector<std::pair<std::string, std::string>> token_fields;
  // Lines for `vlsi model info` about what sits beside the decoder (may be empty).
  std::function<std::vector<std::string>(const VlmConfig& config)> describe;
  // A model of `config` (weights as the constructors leave them).
  std::function<CausalVlm(const VlmConfig& config)> create;
  // The processor of a model folder (its processor files; what they lack from `config`).
  std::function<std::unique_ptr<VisionProcessor>(const std::string& folder, const VlmConfig& config)> load_processor;
  // The processor a new model of `config` ships with.
  std::function<std::unique_ptr<VisionProcessor>(const VlmConfig& config)> default_processor;
};

// The token text of a family's image token ("" for a text-only family).
std::string family_image_token(const ModelFamily& family);

// Every registered family, in a fixed order.
const std::vector<ModelFamily>& model_families();
// The family of `model_type`; fails with one line naming `where` and the known types.
const ModelFamily& model_family(const std::string& model_type, const std::string& where);

// config.json (a file, or a folder holding one): the family is checked first,
// so an unknown model_type is reported as such, not as a missing field.
VlmConfig load_model_config(const std::string& path);
// The same for a parsed config.json; `where` names its source in errors.
VlmConfig model_config_from_json(const nlohmann::json& j, const std::string& where);

// A new model of `config`, of its family, its parameters allocated in `dtype`
// from the start (values as the module constructors leave them).
CausalVlm create_family_model(const VlmConfig& config, torch::ScalarType dtype = torch::kFloat);
std::unique_ptr<VisionProcessor> load_processor(const std::string& folder, const VlmConfig& config);
std::unique_ptr<VisionProcessor> default_processor(const VlmConfig& config);

}  // namespace vlsi::model
