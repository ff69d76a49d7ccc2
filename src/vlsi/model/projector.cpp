#include "vlsi/model/projector.h"

namespace vlsi::model {

MultiModalProjectorImpl::MultiModalProjectorImpl(const VlmConfig& c) {
  const bool bias = c.multimodal_projector_bias;
  linear_1 = register_module(
      "linear_1", torch::nn::Linear(torch::nn::LinearOptions(c.vision_config.hidden_size, c.text_config.hidden_size).bias(bias)));
  linear_2 = register_module(
      "linear_2", torch::nn::Linear(torch::nn::LinearOptions(c.text_config.hidden_size, c.text_config.hidden_size).bias(bias)));
}

torch::Tensor MultiModalProjectorImpl::forward(const torch::Tensor& image_features) {
  return linear_2->forward(torch::gelu(linear_1->forward(image_features)));  // default approximate = "none" (erf)
}

}  // namespace vlsi::model
