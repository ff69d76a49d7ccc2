#pragma once
// The opening every config-driven run shares (SFT and the VLsI steps): a run
// whose summary.json exists is complete and is not run again; a folder holding
// checkpoints is continued only with --resume (never silently overwritten);
// otherwise the folder is created and the resolved config written to config.json.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "vlsi/train/trainer.h"

namespace vlsi::train {

// summary.json's content when the run at `out` is complete (nothing else is done);
// std::nullopt when it is to be run, after the checks above. `label` prefixes the message.
std::optional<nlohmann::json> open_run_folder(const std::string& out, const nlohmann::json& config, bool resume,
                                              const std::string& label);

// The fields every run summary starts with: steps, resumed_from, final_train_loss,
// tokens_per_second, seconds, seed (and final_validation when there was one).
nlohmann::json train_result_summary(const TrainResult& result, uint64_t seed);

// Writes summary.json (last, atomically: its presence marks the run complete).
void finish_run_folder(const std::string& out, const nlohmann::json& summary);

}  // namespace vlsi::train
