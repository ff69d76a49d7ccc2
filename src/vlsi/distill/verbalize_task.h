#pragma once
// The verbalization step (method doc section 1): the backbone is frozen and
// runs without gradient; only the verb-FFNs train, each with its own
// cross-entropy on the answer tokens (teacher-forced, next-token shift). The
// step's loss is the SUM of the per-layer losses, so each verb-FFN receives
// exactly its own loss's gradient. Run once for the teacher and once for the student.
// Metrics: ce_layer_<L> per target layer L (0-based decoder layer index).
#include <string>
#include <vector>

#include "vlsi/distill/step_support.h"
#include "vlsi/train/train_task.h"

namespace vlsi::distill {

struct VerbalizeOptions {
  int64_t chunk_tokens = 256;  // answer tokens per chunk of the [tokens, vocab] logits
};

class VerbalizeTask : public train::TrainTask {
 public:
  VerbalizeTask(VerbalizedModel model, VerbalizeOptions options);

  std::string name() const override { return "verbalize"; }
  std::vector<torch::Tensor> trainable_parameters() override;
  train::LossOutput compute_loss(const data::Batch& batch) override;
  void set_training(bool training) override;
  // Writes / restores the verbalizers (verbalizers.safetensors + verbalizers.json).
  void save(const std::string& dir) const override;
  void load(const std::string& dir) override;

  // Mean per-layer losses over batches without gradient: {"val_loss", "val_ce_layer_<L>"...}.
  nlohmann::json evaluate(const std::vector<data::Batch>& batches);

  const VerbalizedModel& model() const { return model_; }

 private:
  VerbalizedModel model_;
  VerbalizeOptions options_;
};

}  // namespace vlsi::distill
