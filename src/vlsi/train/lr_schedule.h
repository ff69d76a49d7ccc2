#pragma once
// Learning-rate schedule: linear warm-up to the peak, then cosine decay to a floor.
// The paper restarts a cosine 1e-4 -> 1e-6 for each training step; warm-up 0 gives exactly that.
#include <cstdint>

namespace vlsi::train {

struct LrSchedule {
  double peak_lr = 1e-4;
  double min_lr = 1e-6;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;

  // Learning rate for optimizer step `step` (0-based).
  double at(int64_t step) const;
};

}  // namespace vlsi::train
