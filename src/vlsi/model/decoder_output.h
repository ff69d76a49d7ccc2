#pragma once
#include <torch/torch.h>

#include <vector>

namespace vlsi::model {

// What a decoder stack returns.
struct DecoderOutput {
  torch::Tensor last_hidden_state;           // output of the last layer, BEFORE the final norm
  std::vector<torch::Tensor> layer_outputs;  // output of layer i (0-based), when requested
};

}  // namespace vlsi::model
