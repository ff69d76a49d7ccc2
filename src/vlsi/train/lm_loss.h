#pragma once
// Next-token cross-entropy on answer tokens only. The head is applied just to
// the positions that carry a label, a chunk at a time, so the [B, T, vocab]
// logits tensor is never built (it dominates memory with a 152k vocabulary).
#include <torch/torch.h>

namespace vlsi::train {

struct AnswerTokens {
  torch::Tensor hidden;   // [N, H] hidden states that predict a labelled token
  torch::Tensor targets;  // [N] the labelled next tokens
};

// Selects (hidden[t], labels[t+1]) for every t whose next label is not -100.
AnswerTokens select_answer_tokens(const torch::Tensor& hidden, const torch::Tensor& labels);

// How many tokens select_answer_tokens selects: what causal_lm_loss averages over.
int64_t answer_token_count(const torch::Tensor& labels);

// Mean cross-entropy of the linear head (weight [V, H], no bias) applied to
// hidden, against the next labels; the logits are never built whole
// (linear_cross_entropy.h).
torch::Tensor causal_lm_loss(const torch::Tensor& hidden, const torch::Tensor& labels, const torch::Tensor& head_weight);

}  // namespace vlsi::train
