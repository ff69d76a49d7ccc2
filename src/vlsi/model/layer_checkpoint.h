#pragma once
// Gradient checkpointing: a layer run through checkpointed() keeps only its
// input for the backward pass; its activations are recomputed there (the
// reentrant scheme of torch.utils.checkpoint: the backward of the recomputed
// layer accumulates its parameters' gradients and returns the input's).
// The generator state of the input's device is saved before the forward and
// restored for the recomputation, so random draws (dropout) repeat exactly.
#include <torch/torch.h>

#include <functional>

namespace vlsi::model {

using LayerFn = std::function<torch::Tensor(const torch::Tensor&)>;

// layer(input), remembering only `input` (and what `layer` captures) for backward.
// Used only where gradients are wanted: under no_grad, call the layer directly.
torch::Tensor checkpointed(const LayerFn& layer, const torch::Tensor& input);

}  // namespace vlsi::model
