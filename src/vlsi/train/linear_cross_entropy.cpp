#include "vlsi/train/linear_cross_entropy.h"

#include <algorithm>

#include "vlsi/io/error.h"

namespace vlsi::train {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

int64_t pick_chunk_rows(int64_t requested, int64_t rows, int64_t vocab) {
  if (requested > 0) return std::min(requested, rows);
  const int64_t target_floats = int64_t(8) << 20;  // 32 MiB of float32 logits
  return std::clamp<int64_t>(target_floats / std::max<int64_t>(vocab, 1), 16, std::max<int64_t>(rows, 16));
}

class LinearCrossEntropyFunction : public torch::autograd::Function<LinearCrossEntropyFunction> {
 public:
  static Tensor forward(AutogradContext* ctx, const Tensor& hidden, const Tensor& weight, const Tensor& targets,
                        int64_t chunk_rows, bool want_grad) {
    const int64_t n = hidden.size(0), vocab = weight.size(0);
    const auto compute = weight.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
    const int64_t chunk = pick_chunk_rows(chunk_rows, n, vocab);
    const Tensor weight_t = weight.t();
    // One buffer each for the chunk's logits (weight dtype) and their upcast,
    // reused by every chunk.
    Tensor logits_buf = torch::empty({chunk, vocab}, weight.options());
    const bool upcast = compute != weight.scalar_type();
    Tensor float_buf = upcast ? torch::empty({chunk, vocab}, weight.options().dtype(compute)) : logits_buf;
    Tensor dlogits = want_grad ? torch::empty({n, vocab}, weight.options()) : Tensor();
    Tensor loss_sum = torch::zeros({}, weight.options().dtype(torch::kDouble));
    for (int64_t b = 0; b < n; b += chunk) {
      const int64_t len = std::min(chunk, n - b);
      Tensor logits = logits_buf.narrow(0, 0, len);
      at::mm_out(logits, hidden.narrow(0, b, len), weight_t);
      Tensor lf = float_buf.narrow(0, 0, len);
      if (upcast) lf.copy_(logits);
      Tensor t = targets.narrow(0, b, len).unsqueeze(1);
      Tensor lse = at::logsumexp(lf, {1}, /*keepdim=*/true);  // [len, 1]
      loss_sum += (lse - lf.gather(1, t)).sum().to(torch::kDouble);
      if (!want_grad) continue;
      // softmax - onehot, over N: the gradient of the mean loss.
      lf.sub_(lse).exp_();
      lf.scatter_add_(1, t, torch::full({len, 1}, -1.0, lf.options()));
      lf.mul_(1.0 / double(n));
      dlogits.narrow(0, b, len).copy_(lf);
    }
    if (want_grad) ctx->save_for_backward({hidden, weight, dlogits});
    return (loss_sum / double(n)).to(compute);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const Tensor &hidden = saved[0], &weight = saved[1], &dlogits = saved[2];
    const Tensor scale = grads[0].to(weight.scalar_type());
    Tensor grad_hidden, grad_weight;
    if (ctx->needs_input_grad(0)) grad_hidden = at::mm(dlogits, weight).mul_(scale);
    // Scaling the [N, H] rows is cheaper than scaling the [V, H] result.
    if (ctx->needs_input_grad(1)) grad_weight = at::mm(dlogits.t(), hidden * scale);
    return {grad_hidden, grad_weight, Tensor(), Tensor(), Tensor()};
  }
};

}  // namespace

torch::Tensor linear_cross_entropy(const torch::Tensor& hidden, const torch::Tensor& weight,
                                   const torch::Tensor& targets, int64_t chunk_rows) {
  check(hidden.dim() == 2 && weight.dim() == 2 && hidden.size(1) == weight.size(1),
        "cross-entropy: expected hidden [N, H] and head weight [V, H], got ", hidden.sizes(), " and ",
        weight.sizes());
  check(hidden.size(0) > 0, "cross-entropy: no rows to score");
  check(targets.dim() == 1 && targets.size(0) == hidden.size(0) && targets.scalar_type() == torch::kLong,
        "cross-entropy: expected ", hidden.size(0), " int64 targets, got ", targets.sizes(), " ",
        targets.scalar_type());
  Tensor tgt = targets.to(weight.device());
  {
    torch::NoGradGuard no_grad;
    auto bad = (tgt < 0) | (tgt >= weight.size(0));
    check(!bad.any().item<bool>(), "cross-entropy: a target id is outside the vocabulary of ", weight.size(0),
          " tokens");
  }
  Tensor h = hidden.scalar_type() == weight.scalar_type() ? hidden : hidden.to(weight.scalar_type());
  const bool want_grad = torch::GradMode::is_enabled() && (h.requires_grad() || weight.requires_grad());
  return LinearCrossEntropyFunction::apply(h.contiguous(), weight, tgt, chunk_rows, want_grad);
}

}  // namespace vlsi::train
