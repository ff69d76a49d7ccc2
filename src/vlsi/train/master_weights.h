#pragma once
// Float32 master weights for parameters held in a lower precision (bfloat16):
// the optimizer updates a float32 copy of each such parameter and the model
// gets the copy rounded after every step. Updated in bfloat16 directly (what
// plain AdamW on a bfloat16 model does in PyTorch), an update smaller than
// half a unit in the last place (2^-9 relative) is rounded away, so late, small
// learning rates stop training; AdamW's moments would be bfloat16 too.
// Float32 and float64 parameters are used as they are, so a float32 run is
// unchanged.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace vlsi::train {

class MasterWeights {
 public:
  explicit MasterWeights(std::vector<torch::Tensor> params);

  bool active() const;  // some parameter has a float32 copy
  // What the optimizer updates: the float32 copies in place of their parameters.
  const std::vector<torch::Tensor>& optimizer_params() const { return optimizer_params_; }

  // After each backward: adds every copied parameter's gradient into its copy's
  // float32 gradient (so accumulation over micro-batches is float32) and drops it.
  void accumulate_grads();
  // After each optimizer step: rounds the copies into the parameters.
  void copy_to_model();
  // Copies of the parameters' current values (after a checkpoint was loaded into the model).
  void copy_from_model();

  // Checkpoint file of the copies (the model folder holds only their rounded values).
  void save(const std::string& path) const;
  void load(const std::string& path);

 private:
  std::vector<torch::Tensor> params_;            // the model's trainable parameters
  std::vector<torch::Tensor> masters_;           // float32 copy per parameter, or undefined
  std::vector<torch::Tensor> optimizer_params_;  // masters_[i] when defined, else params_[i]
};

}  // namespace vlsi::train
