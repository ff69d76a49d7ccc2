#pragma once
// The generic training loop: AdamW, warm-up + cosine schedule, gradient
// accumulation and clipping, periodic validation, atomic checksummed
// checkpoints, bit-exact resume (falling back past a damaged newest checkpoint;
// trainer_checkpoint.cpp), metrics JSONL and a live progress line. A TrainTask
// supplies the loss.
// bfloat16 parameters train through float32 master weights (master_weights.h).
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "vlsi/train/master_weights.h"
#include "vlsi/train/train_config.h"
#include "vlsi/train/train_task.h"

namespace vlsi::train {

// Where batches come from. State/restore let a resumed run continue the same
// data order.
struct BatchStream {
  std::function<data::Batch()> next;
  std::function<nlohmann::json()> state;
  std::function<void(const nlohmann::json&)> restore;
};

struct TrainResult {
  int64_t steps_done = 0;        // optimizer steps completed in total
  int64_t resumed_from = -1;     // step of the checkpoint resumed from, or -1
  double final_loss = 0.0;       // mean loss of the last logged window
  double tokens_per_second = 0.0;
  double seconds = 0.0;
  nlohmann::json last_validation;
};

// Sets libtorch's intra-op threads: `threads` > 0, else every core.
void set_compute_threads(int64_t threads);

class Trainer {
 public:
  // `run_dir` receives metrics.jsonl and checkpoints/. `label` prefixes progress output.
  Trainer(TrainerConfig cfg, std::string run_dir, std::string label);

  // Returns validation metrics (logged with split "val"); optional.
  void set_validation(std::function<nlohmann::json()> validate) { validate_ = std::move(validate); }

  // Trains to cfg.max_steps. With `resume`, continues from the newest checkpoint
  // that verifies (one that does not is skipped with a warning naming it).
  TrainResult run(TrainTask& task, BatchStream& data, bool resume);

 private:
  void save_checkpoint(TrainTask& task, torch::optim::Optimizer& opt, const MasterWeights& master,
                       const BatchStream& data, int64_t step) const;
  int64_t restore_checkpoint(TrainTask& task, torch::optim::Optimizer& opt, MasterWeights& master,
                             BatchStream& data) const;

  TrainerConfig cfg_;
  std::string run_dir_;
  std::string label_;
  std::function<nlohmann::json()> validate_;
};

}  // namespace vlsi::train
