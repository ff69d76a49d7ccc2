#pragma once
// The opening every config-driven run shares (SFT and the VLsI steps): a run
// whose summary.json exists is complete and is not run again; a folder holding
// checkpoints is continued only with --resume (never silently overwritten), and
// only with the config it was started with (config_change.h; --force continues
// with the new one, after a warning naming the changed fields); otherwise the
// folder is created once the inputs the config names exist (run_inputs.h). The
// resolved config is then written to config.json.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "vlsi/train/trainer.h"

namespace vlsi::train {

// summary.json's content when the run at `out` is complete (nothing else is done);
// std::nullopt when it is to be run, after the checks above. `label` prefixes the message.
std::optional<nlohmann::json> open_run_folder(const std::string& out, const nlohmann::json& config, bool resume,
                                              const std::string& label, bool force = false);

// Refuses (one line naming `config_path` and every changed field) to continue a
// run started with the config stored at `config_path` under `config`, unless
// `force`; then warns. Nothing to compare (no stored config) passes.
void check_resumed_config(const std::string& config_path, const nlohmann::json& config, bool force,
                          const std::string& label);

// The fields every run summary starts with: steps, resumed_from, final_train_loss,
// tokens_per_second, seconds, seed (and final_validation when there was one).
nlohmann::json train_result_summary(const TrainResult& result, uint64_t seed);

// Data parallel: rank 0 alone opens, checks and writes the run folder; the
// other ranks wait for its verdict (open_run_folder) and, after training, for
// its outputs, returning its summary (summary_from_main) without writing anything.
nlohmann::json summary_from_main(const std::string& out);

// Writes summary.json (last, atomically: its presence marks the run complete).
void finish_run_folder(const std::string& out, const nlohmann::json& summary, const std::string& label);

}  // namespace vlsi::train
