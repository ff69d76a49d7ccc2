#pragma once
// One SFT run driven by a JSON config (+ overrides): builds or loads the model,
// the data loaders and the trainer, trains, and leaves a run folder holding
//   config.json (resolved), metrics.jsonl, checkpoints/, model/ (final, HF layout),
//   summary.json (steps, time, throughput, final train/val loss).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vlsi::train {

// Every option with its default; a config file may set any subset.
nlohmann::json sft_defaults();

// Resolves a config file's content against the defaults and the overrides.
nlohmann::json resolve_sft_config(const nlohmann::json& file_content, const std::vector<std::string>& overrides,
                                  const std::string& where);

// Runs (or resumes) the run described by a resolved config. Returns summary.json's content.
// A run whose summary.json exists is complete and is not run again; `force` resumes
// with a config that differs from the run's own (train/run_folder.h).
nlohmann::json run_sft(const nlohmann::json& config, bool resume, bool force = false);

}  // namespace vlsi::train
