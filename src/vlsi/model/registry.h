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
  std::vector<std::string> architectures;  // config.json's architectures it accepts
  // A model of `config` (weights as the constructors leave them).
  std::function<CausalVlm(const VlmConfig& config)> create;
  // The processor of a model folder (its processor files; what they lack from `config`).
  std::function<std::unique_ptr<VisionProcessor>(const std::string& folder, const VlmConfig& config)> load_processor;
  // The processor a new model of `config` ships with.
  std::function<std::unique_ptr<VisionProcessor>(const VlmConfig& config)> default_processor;
};

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
