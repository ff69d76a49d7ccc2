#pragma once
// Supervised fine-tuning: next-token cross-entropy on assistant answers. Also
// the VLsI reinforcement step (the paper's later version calls it SFT).
#include <memory>
#include <string>
#include <vector>

#include "vlsi/model/causal_vlm.h"
#include "vlsi/model/vision_processor.h"
#include "vlsi/train/train_task.h"

namespace vlsi::train {

struct SftOptions {
  std::vector<model::Part> trainable = model::all_parts();  // frozen: every part not listed
  std::string tokenizer_json;  // copied into every saved model folder
  std::shared_ptr<const model::VisionProcessor> processor;  // its files written into every saved folder
};

class SftTask : public TrainTask {
 public:
  SftTask(model::CausalVlm model, SftOptions options);

  std::string name() const override { return "sft"; }
  std::vector<torch::Tensor> trainable_parameters() override;
  LossOutput compute_loss(const data::Batch& batch) override;
  void set_training(bool training) override { model_->train(training); }
  void save(const std::string& dir) const override;
  void load(const std::string& dir) override;

  // Mean answer-token loss over batches without gradient (validation).
  double evaluate_loss(const std::vector<data::Batch>& batches);

  model::CausalVlm& model() { return model_; }

 private:
  model::CausalVlm model_;
  SftOptions options_;
};

// Moves a batch's tensors to `device` (no copy when already there).
data::Batch batch_to(const data::Batch& batch, const torch::Device& device);

}  // namespace vlsi::train
