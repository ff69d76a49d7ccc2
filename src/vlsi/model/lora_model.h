#pragma once
// LoRA adapters on a whole model: which linears get one, the rank rule, and the
// adapter folder (PEFT layout, so an adapter also loads in Python's peft):
//   adapter_config.json         {"peft_type": "LORA", "r", "lora_alpha", "lora_dropout",
//                                "target_modules", "base_model_name_or_path", ...}
//   adapter_model.safetensors   base_model.model.<module>.lora_A.weight [r, in]
//                               base_model.model.<module>.lora_B.weight [out, r]
// with <module> e.g. language_model.model.layers.0.self_attn.q_proj.
//
// Rank rule (method doc section 2: the paper uses rank = alpha = 64 on the LLM
// linears of 2B-7B students, hidden 1536-3584): rank 0 in the config means
// "scaled to the model width", rank = clamp(hidden_size / 16, 4, 64), which is
// 64 at the paper's sizes and keeps the adapter a small share of a miniature
// model (hidden 96 -> 6, 256 -> 16). alpha 0 means alpha = rank (scaling 1), as
// the paper's rank = alpha.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "vlsi/io/field_table.h"
#include "vlsi/model/lora.h"
#include "vlsi/model/causal_vlm.h"

namespace vlsi::model {

inline constexpr const char* kAdapterWeightsFile = "adapter_model.safetensors";
inline constexpr const char* kAdapterConfigFile = "adapter_config.json";

struct LoraConfig {
  int64_t rank = 0;      // 0: lora_rank_for_width(hidden_size)
  double alpha = 0.0;    // 0: = rank
  double dropout = 0.0;
  // Module names (the last part of a parameter path) that get an adapter; the
  // Qwen2 LLM linears only (vision tower and projector stay frozen, as the paper).
  std::vector<std::string> target_modules = {"q_proj", "k_proj", "v_proj", "o_proj",
                                             "gate_proj", "up_proj", "down_proj"};
  uint64_t seed = 0;  // draws of lora_A

  // The "lora" config block (io/field_table.h).
  static const io::FieldTable<LoraConfig>& fields();
  static nlohmann::json defaults_json();
  static LoraConfig from_json(const nlohmann::json& j, const std::string& where);
  nlohmann::json to_json() const;
};

// clamp(hidden_size / 16, 4, 64).
int64_t lora_rank_for_width(int64_t hidden_size);
// Rank and alpha with the automatic values filled in for `model`.
LoraAdapterOptions resolve_lora_options(const LoraConfig& config, const CausalVlm& model);

// Every LoRA-capable linear whose last name part is in `target_modules`, by full
// module name, in registration order. Fails on a target name that matches nothing.
std::vector<std::pair<std::string, LoraLinear>> lora_linears(const CausalVlm& model,
                                                             const std::vector<std::string>& target_modules);

// Attaches fresh adapters (B = 0: outputs unchanged) to the targeted linears;
// lora_A drawn in module order from a generator seeded with config.seed.
// Returns the number of adapted linears.
int64_t add_lora(CausalVlm& model, const LoraConfig& config);
bool has_lora(const CausalVlm& model);
void set_lora_enabled(CausalVlm& model, bool enabled);
// Folds every adapter into its base weight and removes the adapters.
void merge_lora(CausalVlm& model);
// The adapters' tensors under their PEFT names, in module order (A then B).
std::vector<std::pair<std::string, torch::Tensor>> named_lora_parameters(const CausalVlm& model);
std::vector<torch::Tensor> lora_parameters(const CausalVlm& model);

// Writes adapter_model.safetensors and adapter_config.json into `dir`, each atomically.
void save_lora_adapter(const CausalVlm& model, const std::string& dir,
                       const std::string& base_model = "");
// Reads adapter_config.json, attaches adapters of that rank/alpha/dropout to the
// targeted linears and fills them; every missing, unexpected or mis-shaped tensor
// is reported in one error line naming the file.
void load_lora_adapter(CausalVlm& model, const std::string& dir);

// The merge command's work: loads the model folder, applies the adapter, merges,
// and saves a plain model folder (tokenizer.json copied when present), stored in
// `dtype`; default: the base model's storage dtype.
void merge_lora_folder(const std::string& model_dir, const std::string& adapter_dir, const std::string& out_dir,
                       c10::optional<torch::ScalarType> dtype = c10::nullopt);

}  // namespace vlsi::model
