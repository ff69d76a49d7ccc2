#pragma once
// What a training step (SFT, verbalization, interaction, ...) supplies to the
// generic Trainer: its loss on a batch, its trainable parameters, and how to
// save/restore the weights it trains. The Trainer never knows which step it runs.
#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/data/collate.h"

namespace vlsi::train {

struct LossOutput {
  torch::Tensor loss;                      // scalar, differentiable when training
  int64_t tokens = 0;                      // tokens processed (for throughput)
  // What the loss is a mean over (answer tokens): data-parallel ranks combine
  // their losses weighted by it, so N processes train as one with the global batch.
  double weight = 1.0;
  std::map<std::string, double> metrics;   // averaged over micro-batches and logged
  nlohmann::json events;                   // logged as-is (e.g. matched layer indices)
};

class TrainTask {
 public:
  virtual ~TrainTask() = default;
  virtual std::string name() const = 0;
  // Parameters the optimizer updates. Everything else must be frozen.
  virtual std::vector<torch::Tensor> trainable_parameters() = 0;
  virtual LossOutput compute_loss(const data::Batch& batch) = 0;
  virtual void set_training(bool training) = 0;
  // Writes what is needed to resume (and to ship the trained model) into `dir`.
  virtual void save(const std::string& dir) const = 0;
  virtual void load(const std::string& dir) = 0;
};

}  // namespace vlsi::train
