#include "vlsi/distill/token_cross_entropy.h"

#include "vlsi/distill/chunked_mean.h"
#include "vlsi/io/error.h"

namespace vlsi::distill {

torch::Tensor token_cross_entropy(const torch::Tensor& hidden, const LogitSource& source,
                                  const torch::Tensor& targets, int64_t chunk_tokens) {
  check(hidden.dim() == 2 && targets.dim() == 1 && targets.size(0) == hidden.size(0),
        "token cross-entropy: expected hidden [N, H] and targets [N], got ", hidden.sizes(), " and ",
        targets.sizes());
  check(targets.scalar_type() == torch::kLong, "token cross-entropy: targets must be int64 token ids");
  auto tgt = targets.to(hidden.device());
  return chunked_mean(hidden, source.parameters, chunk_tokens, [&](const torch::Tensor& rows, int64_t begin) {
    auto logits = source.logits(rows);
    if (logits.scalar_type() != torch::kDouble) logits = logits.to(torch::kFloat);
    auto t = tgt.narrow(0, begin, rows.size(0));
    {
      torch::NoGradGuard no_grad;
      auto bad = (t < 0) | (t >= logits.size(1));
      check(!bad.any().item<bool>(), "token cross-entropy: a target id is outside the vocabulary of ",
            logits.size(1), " tokens");
    }
    return -torch::log_softmax(logits, 1).gather(1, t.unsqueeze(1)).squeeze(1);
  });
}

}  // namespace vlsi::distill
