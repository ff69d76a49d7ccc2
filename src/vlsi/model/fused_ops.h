#pragma once
// The element-wise pieces of a Qwen2 block (RMSNorm, SwiGLU, rotary) as
// single-pass CPU kernels with hand-written backward. Composed from torch ops
// they cost 5 to 12 kernel launches and saved intermediates each, which at the
// demo sizes weighs as much as the matmuls (docs/benchmarks.md). Float32 CPU
// tensors take the fused path; anything else (CUDA, half types) takes the
// plain composition, which is also the reference the tests compare against.
#include <torch/torch.h>

namespace vlsi::model {

// weight * x / sqrt(mean(x^2, -1) + eps), x [..., H], weight [H].
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps);

// silu(gate) * up with gate_up = cat(gate, up) along the last dim [..., 2I] -> [..., I].
// Its gradient comes back as one [..., 2I] tensor, ready for the fused gate/up matmul.
torch::Tensor swiglu(const torch::Tensor& gate_up);

// x [B, heads, T, D] rotated by RoPE tables cos, sin [B, 1, T, D/2]:
// cat(x1 cos - x2 sin, x2 cos + x1 sin) with x1, x2 the halves of x.
torch::Tensor rotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

// The plain torch compositions (any device and dtype).
torch::Tensor rms_norm_reference(const torch::Tensor& x, const torch::Tensor& weight, double eps);
torch::Tensor swiglu_reference(const torch::Tensor& gate_up);
torch::Tensor rotary_reference(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

}  // namespace vlsi::model
