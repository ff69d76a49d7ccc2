#include "vlsi/model/lora_model.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <map>
#include <set>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/model/model_io.h"
#include "vlsi/model/registry.h"

namespace vlsi::model {
namespace {

constexpr const char* kPeftPrefix = "base_model.model.";
// adapter_config.json's "exclude_modules" comes from the family: the target
// names alone (q_proj, k_proj, v_proj...) would also match a vision tower's
// attention in peft, which vlsi never adapts.

nlohmann::json peft_exclude_modules(const CausalVlm& model, const std::string& where) {
  const std::string& regex = model_family(model->config().model_type, where).peft_exclude_modules;
  return regex.empty() ? nlohmann::json(nullptr) : nlohmann::json(regex);  // null: nothing beside the LLM
}

std::string last_part(const std::string& name) {
  auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

// Every LoRA-capable linear of the model, by full module name.
std::vector<std::pair<std::string, LoraLinear>> all_lora_linears(const CausalVlm& model) {
  std::vector<std::pair<std::string, LoraLinear>> out;
  for (const auto& item : model->named_modules("", /*include_self=*/false))
    if (auto lin = std::dynamic_pointer_cast<LoraLinearImpl>(item.value())) out.emplace_back(item.key(), LoraLinear(lin));
  return out;
}

}  // namespace

const io::FieldTable<LoraConfig>& LoraConfig::fields() {
  static const auto table = io::FieldTable<LoraConfig>()
                                .field("rank", &LoraConfig::rank)
                                .field("alpha", &LoraConfig::alpha)
                                .field("dropout", &LoraConfig::dropout)
                                .field("target_modules", &LoraConfig::target_modules)
                                .field("seed", &LoraConfig::seed);
  return table;
}

nlohmann::json LoraConfig::defaults_json() { return fields().to_json(LoraConfig{}); }

nlohmann::json LoraConfig::to_json() const { return fields().to_json(*this); }

LoraConfig LoraConfig::from_json(const nlohmann::json& in, const std::string& where) {
  LoraConfig c = fields().from_json(in, where);
  check(c.rank >= 0, where, ": field 'rank': expected >= 0 (0 = scaled to the model width)");
  check(c.alpha >= 0, where, ": field 'alpha': expected >= 0 (0 = equal to the rank)");
  check(c.dropout >= 0 && c.dropout < 1, where, ": field 'dropout': expected 0 <= dropout < 1");
  check(!c.target_modules.empty(), where, ": field 'target_modules': expected at least one module name");
  return c;
}

int64_t lora_rank_for_width(int64_t hidden_size) { return std::clamp<int64_t>(hidden_size / 16, 4, 64); }

LoraAdapterOptions resolve_lora_options(const LoraConfig& config, const CausalVlm& model) {
  LoraAdapterOptions o;
  o.rank = config.rank > 0 ? config.rank : lora_rank_for_width(model->config().text_config.hidden_size);
  o.alpha = config.alpha > 0 ? config.alpha : double(o.rank);
  o.dropout = config.dropout;
  return o;
}

std::vector<std::pair<std::string, LoraLinear>> lora_linears(const CausalVlm& model,
                                                             const std::vector<std::string>& target_modules) {
  std::set<std::string> wanted(target_modules.begin(), target_modules.end()), seen;
  std::vector<std::pair<std::string, LoraLinear>> out;
  for (auto& [name, lin] : all_lora_linears(model)) {
    // Adapters go on the language model only (the vision tower's and the
    // head's linears are LoRA-capable modules too, but stay frozen, as the paper).
    if (model->part_of_parameter(name + ".weight") != Part::Lm) continue;
    std::string part = last_part(name);
    if (!wanted.count(part)) continue;
    seen.insert(part);
    out.emplace_back(name, lin);
  }
  for (const auto& w : wanted)
    check(seen.count(w), "LoRA: target module '", w, "' matches no LoRA-capable linear (the Qwen2 LLM linears: ",
          "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)");
  return out;
}

int64_t add_lora(CausalVlm& model, const LoraConfig& config) {
  auto options = resolve_lora_options(config, model);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(config.seed);
  auto targets = lora_linears(model, config.target_modules);
  for (auto& [name, lin] : targets) lin->attach_adapter(options, gen);
  return int64_t(targets.size());
}

bool has_lora(const CausalVlm& model) {
  for (auto& [name, lin] : all_lora_linears(model))
    if (lin->has_adapter()) return true;
  return false;
}

void set_lora_enabled(CausalVlm& model, bool enabled) {
  for (auto& [name, lin] : all_lora_linears(model)) lin->set_adapter_enabled(enabled);
}

void merge_lora(CausalVlm& model) {
  for (auto& [name, lin] : all_lora_linears(model)) lin->merge_adapter();
}

std::vector<std::pair<std::string, torch::Tensor>> named_lora_parameters(const CausalVlm& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& [name, lin] : all_lora_linears(model)) {
    if (!lin->has_adapter()) continue;
    out.emplace_back(kPeftPrefix + name + ".lora_A.weight", lin->lora_A);
    out.emplace_back(kPeftPrefix + name + ".lora_B.weight", lin->lora_B);
  }
  return out;
}

std::vector<torch::Tensor> lora_parameters(const CausalVlm& model) {
  std::vector<torch::Tensor> out;
  for (auto& [name, t] : named_lora_parameters(model)) out.push_back(t);
  return out;
}

void save_lora_adapter(const CausalVlm& model, const std::string& dir, const std::string& base_model) {
  io::NamedTensors tensors;
  std::set<std::string> modules;
  LoraAdapterOptions options;
  for (auto& [name, lin] : all_lora_linears(model)) {
    if (!lin->has_adapter()) continue;
    options = lin->adapter_options();
    modules.insert(last_part(name));
    tensors.emplace_back(kPeftPrefix + name + ".lora_A.weight", lin->lora_A.detach().contiguous());
    tensors.emplace_back(kPeftPrefix + name + ".lora_B.weight", lin->lora_B.detach().contiguous());
  }
  check(!tensors.empty(), dir, ": cannot save a LoRA adapter: the model has none");
  io::make_dirs(dir);
  io::save_safetensors(dir + "/" + kAdapterWeightsFile, tensors, {{"format", "pt"}});
  nlohmann::json cfg = {{"peft_type", "LORA"},
                        {"r", options.rank},
                        {"lora_alpha", options.alpha},
                        {"lora_dropout", options.dropout},
                        {"target_modules", std::vector<std::string>(modules.begin(), modules.end())},
                        {"exclude_modules", peft_exclude_modules(model, dir)},
                        {"bias", "none"},
                        {"fan_in_fan_out", false},
                        {"use_rslora", false},
                        {"inference_mode", true},
                        {"base_model_name_or_path", base_model}};
  io::write_json_file(dir + "/" + kAdapterConfigFile, cfg);
}

void load_lora_adapter(CausalVlm& model, const std::string& dir) {
  const std::string cfg_path = dir + "/" + kAdapterConfigFile;
  const std::string weights_path = dir + "/" + kAdapterWeightsFile;
  auto cfg = io::read_json_file(cfg_path);
  check(io::get_or<std::string>(cfg, "peft_type", "LORA", cfg_path) == "LORA", cfg_path,
        ": field 'peft_type': expected \"LORA\"");
  LoraConfig lc;
  lc.rank = io::get_field<int64_t>(cfg, "r", cfg_path);
  lc.alpha = io::get_field<double>(cfg, "lora_alpha", cfg_path);
  lc.dropout = io::get_or<double>(cfg, "lora_dropout", 0.0, cfg_path);
  lc.target_modules = io::get_field<std::vector<std::string>>(cfg, "target_modules", cfg_path);
  check(lc.rank >= 1 && lc.alpha > 0, cfg_path, ": fields 'r'/'lora_alpha': expected positive values");
  check(!io::get_or<bool>(cfg, "use_rslora", false, cfg_path), cfg_path, ": rank-stabilised LoRA is not supported");
  check(!io::get_or<bool>(cfg, "fan_in_fan_out", false, cfg_path), cfg_path, ": fan_in_fan_out is not supported");

  auto stored = io::load_safetensors(weights_path);
  // Check everything before changing the model.
  auto targets = lora_linears(model, lc.target_modules);
  std::vector<std::string> problems;
  std::set<std::string> used;
  for (auto& [name, lin] : targets) {
    for (const char* ab : {"lora_A", "lora_B"}) {
      std::string key = kPeftPrefix + name + "." + ab + ".weight";
      auto it = stored.find(key);
      if (it == stored.end()) it = stored.find(name + "." + ab + ".weight");  // unprefixed names too
      if (it == stored.end()) {
        problems.push_back("missing " + key);
        continue;
      }
      used.insert(it->first);
      std::vector<int64_t> want = ab[5] == 'A' ? std::vector<int64_t>{lc.rank, lin->in_features()}
                                               : std::vector<int64_t>{lin->out_features(), lc.rank};
      if (it->second.sizes().vec() != want)
        problems.push_back(key + " has shape " + c10::str(it->second.sizes()) + ", expected " + c10::str(c10::IntArrayRef(want)));
    }
  }
  for (auto& [key, t] : stored)
    if (!used.count(key)) problems.push_back("unexpected " + key);
  if (!problems.empty()) {
    std::string msg = problems.front();
    for (size_t i = 1; i < problems.size() && i < 5; ++i) msg += "; " + problems[i];
    if (problems.size() > 5) msg += " (+" + std::to_string(problems.size() - 5) + " more)";
    fail(weights_path, ": adapter does not match the model: ", msg);
  }
  auto options = resolve_lora_options(lc, model);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
  torch::NoGradGuard no_grad;
  for (auto& [target_name, lin] : targets) {
    lin->attach_adapter(options, gen);
    const std::string& name = target_name;  // C++17 lambdas cannot capture a structured binding (clang refuses)
    auto find = [&](const char* ab) {
      auto it = stored.find(kPeftPrefix + name + "." + ab + ".weight");
      return it != stored.end() ? it->second : stored.at(name + "." + ab + ".weight");
    };
    lin->lora_A.copy_(find("lora_A"));
    lin->lora_B.copy_(find("lora_B"));
  }
}

void merge_lora_folder(const std::string& model_dir, const std::string& adapter_dir, const std::string& out_dir,
                       c10::optional<torch::ScalarType> dtype) {
  VlmConfig config = load_model_config(model_dir);
  LoadOptions lo;
  lo.dtype = torch::kFloat;  // the adapter is attached and merged in float32, rounded once when saved
  auto model = load_model(model_dir, lo);
  load_lora_adapter(model, adapter_dir);
  merge_lora(model);
  SaveOptions so;
  so.dtype = dtype;
  if (!so.dtype && !config.torch_dtype.empty()) so.dtype = dtype_from_name(config.torch_dtype);
  if (io::file_exists(model_dir + "/tokenizer.json")) so.tokenizer_json = model_dir + "/tokenizer.json";
  auto processor = load_processor(model_dir, config);
  so.processor = processor.get();
  save_model(model, out_dir, so);
}

}  // namespace vlsi::model
