#pragma once
// Options of the generic training loop (shared by SFT and every VLsI step).
// Each option is its member here (default and meaning) and its row in
// fields() (train_config.cpp); JSON defaults, reading and writing come from
// that table, so a config file may set any subset and misspelt keys are rejected.
#include <nlohmann/json.hpp>
#include <string>

#include "vlsi/io/field_table.h"

namespace vlsi::train {

struct TrainerConfig {
  int64_t max_steps = 100;        // optimizer steps (after gradient accumulation)
  int64_t batch_size = 8;         // samples per micro-batch
  int64_t grad_accum = 1;         // micro-batches per optimizer step
  double lr = 1e-4;
  double min_lr = 1e-6;
  int64_t warmup_steps = 0;
  double weight_decay = 0.0;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double grad_clip = 1.0;         // max global grad norm; <= 0 disables
  int64_t log_every = 10;
  int64_t val_every = 0;          // 0 = only at the end
  int64_t val_batches = 0;        // 0 = the whole validation split
  int64_t ckpt_every = 100;       // 0 = only at the end
  int64_t keep_checkpoints = 2;
  uint64_t seed = 0;
  int64_t threads = 0;            // 0 = all cores (split between a launcher's processes on this machine)

  static const io::FieldTable<TrainerConfig>& fields();
  static nlohmann::json defaults_json();
  static TrainerConfig from_json(const nlohmann::json& j, const std::string& where);
  nlohmann::json to_json() const;
  // The checks between and on the fields, each a one-line error naming one.
  void validate(const std::string& where) const;
  // Training records a full run reads from its loader (every micro-batch of every step).
  int64_t records_read() const { return max_steps * grad_accum * batch_size; }
};

}  // namespace vlsi::train
