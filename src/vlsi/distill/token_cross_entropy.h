#pragma once
// The verbalization step's loss (method doc section 1): each verbalizer is
// trained with its own cross-entropy on the answer tokens, teacher-forced with
// the usual next-token shift. Chunked like the divergences (chunked_mean), so a
// [N, vocab] logits tensor is never held for all N tokens at once.
#include <torch/torch.h>

#include "vlsi/distill/chunked_divergence.h"

namespace vlsi::distill {

// Mean over the N rows of -log softmax(source.logits(hidden))[target], with
// hidden [N, H] (e.g. answer_rows of a layer's output at positions t) and
// targets [N] int64 (the tokens at t + 1). Gradient as chunked_mean.
torch::Tensor token_cross_entropy(const torch::Tensor& hidden, const LogitSource& source,
                                  const torch::Tensor& targets, int64_t chunk_tokens);

}  // namespace vlsi::distill
