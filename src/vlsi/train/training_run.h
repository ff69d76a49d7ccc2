#pragma once
// The skeleton every config-driven training run shares: SFT and each VLsI step
// (`vlsi train ...`), and through them the recipe (`vlsi distill`), the
// ablation grid and the demo. In order:
//   open the run folder (complete -> its summary; checkpoints -> --resume with
//   the same config; data-parallel: rank 0 checks and writes, run_folder.h)
//   -> trainer options -> compute threads -> the run's models, data and task
//   (TrainingRun, built by the caller's factory once the folder is open)
//   -> Trainer with validation -> train (resuming) -> skipped-record report
//   -> rank 0: the run's outputs and summary.json; other ranks: rank 0's summary.
// A run type supplies only what differs: what it loads, what it trains, what it writes.
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "vlsi/train/run_data.h"
#include "vlsi/train/train_config.h"
#include "vlsi/train/train_task.h"
#include "vlsi/train/trainer.h"

namespace vlsi::train {

class TrainingRun {
 public:
  virtual ~TrainingRun() = default;
  virtual TrainTask& task() = 0;
  virtual RunData& data() = 0;
  // Validation metrics for the "val" records; empty: no validation.
  virtual std::function<nlohmann::json()> validation() { return {}; }
  // Rank 0, after training: writes the trained outputs into the run folder and
  // adds their paths and facts to `summary` (which already holds train_result_summary).
  virtual void write_outputs(const TrainResult& result, nlohmann::json& summary) = 0;
};

// Builds the run (loads models, data, task) for the resolved trainer options.
using TrainingRunFactory = std::function<std::unique_ptr<TrainingRun>(const TrainerConfig&)>;

// Runs (or continues, or returns the summary of) the run whose resolved config
// is `config` ("out" and "trainer" are read here). `label` names it in output
// and errors ("sft", "verbalize", "interact", ...).
nlohmann::json run_training(const nlohmann::json& config, bool resume, bool force, const std::string& label,
                            const TrainingRunFactory& make_run);

}  // namespace vlsi::train
