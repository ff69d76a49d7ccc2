#pragma once
// AdamW whose step is one pass over each parameter (decay, both moments,
// update) instead of torch::optim::AdamW's eight tensor ops per parameter:
// the optimizer is memory-bound, so reading p, grad, m, v once saves most of
// its time (docs/benchmarks.md). Same update rule, options, state layout and
// checkpoint format as torch::optim::AdamW (it IS one); parameters that are
// not contiguous float32 CPU tensors, and amsgrad, use the library's step.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "vlsi/train/train_config.h"

namespace vlsi::train {

// The key under which torch's optimizers keep a parameter's state.
inline c10::TensorImpl* optimizer_state_key(const torch::Tensor& p) { return p.unsafeGetTensorImpl(); }

class FusedAdamW : public torch::optim::AdamW {
 public:
  using torch::optim::AdamW::AdamW;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

// The trainer's optimizer from its lr, betas, eps and weight_decay, in two
// groups: decay on matrices, none on norms and biases (vectors).
std::unique_ptr<FusedAdamW> make_adamw(const std::vector<torch::Tensor>& params, const TrainerConfig& c);

// Drops every gradient (as PyTorch's zero_grad(set_to_none=True)): the next
// backward then hands its gradient buffers over instead of adding into zeros.
void release_grads(torch::optim::Optimizer& opt);

}  // namespace vlsi::train
