#include "vlsi/train/lm_loss.h"

#include "vlsi/io/error.h"
#include "vlsi/train/linear_cross_entropy.h"

namespace vlsi::train {

AnswerTokens select_answer_tokens(const torch::Tensor& hidden, const torch::Tensor& labels) {
  check(hidden.dim() == 3 && labels.dim() == 2 && hidden.size(0) == labels.size(0) && hidden.size(1) == labels.size(1),
        "causal LM loss: hidden ", hidden.sizes(), " and labels ", labels.sizes(), " do not match as [B,T,H] / [B,T]");
  auto next = labels.slice(1, 1);                // [B, T-1]
  auto h = hidden.slice(1, 0, hidden.size(1) - 1);  // [B, T-1, H]
  auto mask = next.ne(-100);
  // hidden may sit on another device than labels (a split model's later layers).
  return {h.index({mask.to(h.device())}), next.index({mask})};
}

int64_t answer_token_count(const torch::Tensor& labels) {
  return labels.size(1) < 2 ? 0 : labels.slice(1, 1).ne(-100).sum().item<int64_t>();
}

torch::Tensor causal_lm_loss(const torch::Tensor& hidden, const torch::Tensor& labels, const torch::Tensor& head_weight) {
  auto sel = select_answer_tokens(hidden, labels);
  check(sel.targets.numel() > 0, "causal LM loss: the batch has no answer tokens (every label is -100)");
  return linear_cross_entropy(sel.hidden, head_weight, sel.targets);
}

}  // namespace vlsi::train
