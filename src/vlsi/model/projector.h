#pragma once
// LLaVA multi-modal projector: linear_1 (vision hidden -> text hidden), exact
// (erf) GELU, linear_2 (text hidden -> text hidden). Names as HF:
// multi_modal_projector.linear_1.{weight,bias}, multi_modal_projector.linear_2.*.
#include <torch/torch.h>

#include "vlsi/model/config.h"

namespace vlsi::model {

class MultiModalProjectorImpl : public torch::nn::Module {
 public:
  explicit MultiModalProjectorImpl(const VlmConfig& c);
  torch::Tensor forward(const torch::Tensor& image_features);  // [..., Ev] -> [..., Et]
  torch::nn::Linear linear_1{nullptr}, linear_2{nullptr};
};
TORCH_MODULE(MultiModalProjector);

}  // namespace vlsi::model
