#pragma once
// RUN/metrics.jsonl, one JSON record per line ({"split": "train"|"val", "step": N, ...}).
// A run that restarts at step S (resumed from a checkpoint, or from scratch after
// dying before its first one) first drops every record after S, and a line torn
// by a kill, so each step is logged exactly once, as in an uninterrupted run.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vlsi::train {

class MetricsLog {
 public:
  // `label` names the run for the test-only kill point "metrics-append" (io/kill_point.h).
  MetricsLog(std::string path, std::string label);

  // Keeps the records with step <= `step` (in file order), rewriting the file
  // atomically only when something is dropped; returns the kept records.
  std::vector<nlohmann::json> restart_at(int64_t step) const;

  void append(const nlohmann::json& record) const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string label_;
};

// The summary's final_train_loss: the mean loss over each window of `every`
// steps (the last window ends at max_steps). Fed in step order, by the training
// loop and, on resume, by the kept records, so the value equals the uninterrupted run's.
struct LossWindow {
  int64_t every = 1, max_steps = 1;
  double sum = 0.0;
  int64_t count = 0;
  double last_mean = 0.0;

  void add(int64_t step, double loss) {
    sum += loss;
    ++count;
    if (step % every == 0 || step == max_steps) {
      last_mean = sum / double(count);
      sum = 0.0;
      count = 0;
    }
  }
};

}  // namespace vlsi::train
