#pragma once
// Cross-entropy of a linear head's logits, without the [N, vocab] logits and
// their float copies. With a 152k vocabulary, materialising logits, their
// float32 upcast, the log-softmax and the gradients of each costs gigabytes of
// fresh memory per step (about 3 GB at 1,000 tokens) and the time to touch it.
//
// Here the rows are taken a chunk at a time: logits = hidden @ weight^T in the
// weight's dtype (rounded as transformers' lm_head rounds them), upcast to
// float32, log-sum-exp, and, when a gradient is wanted, d loss / d logits =
// (softmax - onehot) / N, stored in the weight's dtype (what transformers'
// backward casts it to). Backward is then two matrix products over all rows,
// the same ones an unchunked head's backward runs.
#include <torch/torch.h>

namespace vlsi::train {

// Mean over the N rows of -log softmax(hidden @ weight^T)[target]; hidden
// [N, H], weight [V, H] (same dtype and device), targets [N] int64 in [0, V).
// A float32 scalar (float64 when the weight is float64). chunk_rows <= 0
// picks a chunk whose float32 logits take about 32 MiB.
torch::Tensor linear_cross_entropy(const torch::Tensor& hidden, const torch::Tensor& weight,
                                   const torch::Tensor& targets, int64_t chunk_rows = 0);

}  // namespace vlsi::train
