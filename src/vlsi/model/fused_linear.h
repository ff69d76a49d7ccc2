#pragma once
// Several linear layers that read the same input, run as ONE matmul:
// x [W1; W2; ...]^T + [b1; b2; ...]. Parameters stay separate (Hugging Face
// names: q_proj, k_proj, ...); only the product is fused, which cuts the
// matmul calls of a small model's attention and MLP in forward and backward
// (docs/benchmarks.md). It pays only in float32, where those calls dominate
// small models; in bf16/fp16 (real sizes) concatenating the weights every step
// costs more than it saves, so the layers run one by one, as transformers does.
#include <torch/torch.h>

#include <vector>

#include "vlsi/model/lora.h"

namespace vlsi::model {

// Whether products on input x are joined (float32 input).
bool joins_products(const torch::Tensor& x);

// Weights [out_i, in] (same in), biases [out_i] or all undefined. `joined`
// returns the outputs side by side [..., sum out_i]; `fused_linear` split per
// layer (views of that one output, or separate products when
// !joins_products(x)).
torch::Tensor fused_linear_joined(const torch::Tensor& x, const std::vector<torch::Tensor>& weights,
                                  const std::vector<torch::Tensor>& biases);
std::vector<torch::Tensor> fused_linear(const torch::Tensor& x, const std::vector<torch::Tensor>& weights,
                                        const std::vector<torch::Tensor>& biases);

// The same for LoRA-capable layers: the base products fused, each enabled
// adapter's term added to its own layer's output.
torch::Tensor fused_linear_joined(const torch::Tensor& x, std::vector<LoraLinear> layers);
std::vector<torch::Tensor> fused_linear(const torch::Tensor& x, std::vector<LoraLinear> layers);

}  // namespace vlsi::model
