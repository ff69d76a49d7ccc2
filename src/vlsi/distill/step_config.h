#pragma once
// Config files of the VLsI training steps, run one at a time (`vlsi train
// verbalize|interact|kd|reinforce`) or by the recipe (recipe.h). Every field has
// a default (docs/distill.md lists them with the method doc's reasons); a config
// file may set any subset and a misspelt field is an error.
//   verbalize                      model, target_layers, verbalizer, chunk_tokens, data, device, device_map,
//                                  dtype, trainer
//   interact | kd | reinforce      student, teacher, loss, matching, finetune, lora, full_trainable,
//                                  train_verbalizers, save_merged, data, device, dtype, trainer
// The three student steps share one schema; only the defaults differ:
//   interact   loss kld/kld, ce 0, verbalizers trained       (method doc section 2)
//   kd         intermediate none, last kld, ce 1             (last-layer KD baseline)
//   reinforce  intermediate none, last none, ce 1, no teacher (method doc, step 3; "sft" is an alias)
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/distill/student_step_task.h"
#include "vlsi/distill/target_layers.h"
#include "vlsi/distill/verbalizer.h"

namespace vlsi::distill {

// "verbalize", "interact", "kd" or "reinforce" ("sft" -> "reinforce"); fails on anything else.
std::string canonical_step(const std::string& step);
bool is_student_step(const std::string& step);  // interact, kd, reinforce

// Every option of `step` with its default.
nlohmann::json step_defaults(const std::string& step);
// A config file's content resolved against the defaults, then --set overrides applied; validated.
nlohmann::json resolve_step_config(const std::string& step, const nlohmann::json& content,
                                   const std::vector<std::string>& overrides, const std::string& where);

// Typed views of resolved blocks.
TargetLayerSpec target_layer_spec_from_json(const nlohmann::json& j, const std::string& where);
nlohmann::json target_layer_spec_defaults();  // {"layers": [], "start": 2, "stride": 4}
VerbalizerOptions verbalizer_options_from_json(const nlohmann::json& j, const std::string& where);
StudentStepOptions student_step_options(const std::string& step, const nlohmann::json& cfg, const std::string& where);
// The `dtype` field (model/compute_dtype.h): float32 or bfloat16.
torch::ScalarType step_dtype(const nlohmann::json& cfg, const std::string& where);
// Where and in what dtype a side ("student" or "teacher") of a student step
// lives: its own "device"/"dtype" when set, else the step's (a bare "cuda" is
// this process's GPU in a data-parallel job).
torch::Device side_device(const nlohmann::json& cfg, const std::string& side, const std::string& where);
torch::ScalarType side_dtype(const nlohmann::json& cfg, const std::string& side, const std::string& where);
// A side's "device_map" (model/layer_placement.h), checked against its model
// folder's decoder depth; empty when unset. Set together with the side's own
// "device" it is an error.
model::LayerPlacement side_placement(const nlohmann::json& cfg, const std::string& side, const std::string& where);
// The verbalize step's top-level "device_map"; when set it replaces "device".
model::LayerPlacement step_placement(const nlohmann::json& cfg, const std::string& where);

// Everything a resolved step config alone can tell (trainer, step options,
// device, data block), checked before the run folder gets its config.json.
void validate_step_run_config(const std::string& step, const nlohmann::json& cfg, const std::string& where);

}  // namespace vlsi::distill
