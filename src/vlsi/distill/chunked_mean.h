#pragma once
// The mean over N tokens of a per-token loss whose intermediate tensors are
// large ([tokens, vocab] logits), computed a chunk of tokens at a time so that
// memory is bounded by the chunk, not by N.
//
// With gradient, each chunk is differentiated as soon as it is computed
// (torch::autograd::grad with respect to a detached copy of its rows of
// `hidden` and to `parameters`), its [chunk, vocab] intermediates are freed, and
// the per-chunk gradients are summed. The returned scalar is a surrogate whose
// value is the mean loss and whose gradient with respect to `hidden` (and, through
// it, whatever produced `hidden`, e.g. the student backbone and its LoRA) and to
// `parameters` is exactly the mean loss's gradient. Its backward is linear in
// the upstream gradient, so it composes with other losses and loss scaling;
// double backward is not supported.
#include <torch/torch.h>

#include <functional>
#include <vector>

namespace vlsi::distill {

// Per-token loss [n] of rows [begin, begin + n) given those rows of `hidden`
// (a tensor that may require grad inside the chunk).
using ChunkLossFn = std::function<torch::Tensor(const torch::Tensor& hidden_rows, int64_t begin)>;

// mean over rows of chunk_loss, a float32 scalar (float64 when `hidden` is);
// `hidden` is [N, H] with N > 0; chunk_tokens >= 1.
// Gradient is taken when grad mode is on and `hidden` or any of `parameters`
// requires grad; otherwise the chunks run under no-grad.
torch::Tensor chunked_mean(const torch::Tensor& hidden, const std::vector<torch::Tensor>& parameters,
                           int64_t chunk_tokens, const ChunkLossFn& chunk_loss);

}  // namespace vlsi::distill
