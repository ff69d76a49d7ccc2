#include "vlsi/train/lm_loss.h"

#include "vlsi/io/error.h"

namespace vlsi::train {

AnswerTokens select_answer_tokens(const torch::Tensor& hidden, const torch::Tensor& labels) {
  check(hidden.dim() == 3 && labels.dim() == 2 && hidden.size(0) == labels.size(0) && hidden.size(1) == labels.size(1),
        "causal LM loss: hidden ", hidden.sizes(), " and labels ", labels.sizes(), " do not match as [B,T,H] / [B,T]");
  auto next = labels.slice(1, 1);                // [B, T-1]
  auto h = hidden.slice(1, 0, hidden.size(1) - 1);  // [B, T-1, H]
  auto mask = next.ne(-100);
  return {h.index({mask}), next.index({mask})};
}

torch::Tensor causal_lm_loss(const torch::Tensor& hidden, const torch::Tensor& labels,
                             const std::function<torch::Tensor(const torch::Tensor&)>& head) {
  auto sel = select_answer_tokens(hidden, labels);
  check(sel.targets.numel() > 0, "causal LM loss: the batch has no answer tokens (every label is -100)");
  // Logits in float32 at least (as transformers' loss does): a bfloat16 log-softmax
  // would round the loss and its gradient to 8 significant bits.
  auto logits = head(sel.hidden);
  if (logits.scalar_type() != torch::kDouble) logits = logits.to(torch::kFloat);
  return torch::nn::functional::cross_entropy(logits, sel.targets);
}

}  // namespace vlsi::train
