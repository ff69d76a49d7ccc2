#pragma once
// The mechanism figures of an ablation (issue 14): for each setting whose runs
// have an interaction step, interaction_trace.h's numbers averaged over the
// finished seeds, as a markdown table under each grid and as OUT/mechanisms.json.
#include <nlohmann/json.hpp>
#include <string>

#include "vlsi/distill/ablation_plan.h"

namespace vlsi::distill {

// {"<grid>/<label>": {"seeds", "last_loss_start", "last_loss_end", "d_spread",
//  "matched_start", "matched_end", "layer_loss_start", "layer_loss_end",
//  "verbalized_accuracy_before", "verbalized_accuracy_after"}} for every setting
// with an interaction trace. Verbalized accuracy: the student verbalization
// step's and the interaction step's final validation (val_acc_layer_<l>).
nlohmann::json ablation_mechanisms(const AblationPlan& plan);

// The grid's table ("" when no setting of it has a trace).
std::string mechanisms_markdown(const AblationPlan& plan, const AblationGrid& grid, const nlohmann::json& mechanisms);

}  // namespace vlsi::distill
