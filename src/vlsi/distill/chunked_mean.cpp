#include "vlsi/distill/chunked_mean.h"

#include "vlsi/io/error.h"

namespace vlsi::distill {

torch::Tensor chunked_mean(const torch::Tensor& hidden, const std::vector<torch::Tensor>& parameters,
                           int64_t chunk_tokens, const ChunkLossFn& chunk_loss) {
  check(hidden.dim() == 2 && hidden.size(0) > 0, "chunked loss: expected hidden states [tokens > 0, width], got ",
        hidden.sizes());
  check(chunk_tokens >= 1, "chunked loss: chunk_tokens must be >= 1, got ", chunk_tokens);
  const int64_t n = hidden.size(0);
  // float32 result (float64 when the hidden states are float64, as in the tests).
  const auto out_type = hidden.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;

  std::vector<torch::Tensor> trainable;
  for (const auto& p : parameters)
    if (p.defined() && p.requires_grad()) trainable.push_back(p);
  const bool hidden_grad = hidden.requires_grad();
  const bool want_grad = torch::GradMode::is_enabled() && (hidden_grad || !trainable.empty());

  auto total = torch::zeros({}, hidden.options().dtype(torch::kDouble).requires_grad(false));
  if (!want_grad) {
    torch::NoGradGuard no_grad;
    for (int64_t b = 0; b < n; b += chunk_tokens) {
      int64_t len = std::min(chunk_tokens, n - b);
      total += chunk_loss(hidden.narrow(0, b, len), b).sum().to(torch::kDouble);
    }
    return (total / double(n)).to(out_type);
  }

  std::vector<torch::Tensor> hidden_grads;
  std::vector<torch::Tensor> param_grads(trainable.size());
  for (int64_t b = 0; b < n; b += chunk_tokens) {
    int64_t len = std::min(chunk_tokens, n - b);
    auto rows = hidden.narrow(0, b, len).detach().requires_grad_(hidden_grad);
    auto chunk_sum = chunk_loss(rows, b).sum();
    total += chunk_sum.detach().to(torch::kDouble);
    std::vector<torch::Tensor> inputs;
    if (hidden_grad) inputs.push_back(rows);
    inputs.insert(inputs.end(), trainable.begin(), trainable.end());
    if (!chunk_sum.requires_grad()) {  // a loss independent of its inputs (e.g. the "none" op)
      if (hidden_grad) hidden_grads.push_back(torch::zeros_like(rows));
      continue;
    }
    auto grads = torch::autograd::grad({chunk_sum / double(n)}, inputs, /*grad_outputs=*/{}, /*retain_graph=*/false,
                                       /*create_graph=*/false, /*allow_unused=*/true);
    size_t k = 0;
    if (hidden_grad) {
      hidden_grads.push_back(grads[k].defined() ? grads[k] : torch::zeros_like(rows));
      ++k;
    }
    for (size_t i = 0; i < trainable.size(); ++i, ++k) {
      if (!grads[k].defined()) continue;
      param_grads[i] = param_grads[i].defined() ? param_grads[i] + grads[k] : grads[k];
    }
  }

  // value + (x * g).sum() - (x * g).sum().detach(): equal to value, gradient g with respect to x.
  auto result = (total / double(n)).to(out_type);
  auto add_linear_term = [&](const torch::Tensor& x, const torch::Tensor& g) {
    auto term = (x * g.to(x.scalar_type())).sum().to(out_type);
    result = result + (term - term.detach());
  };
  if (hidden_grad) add_linear_term(hidden, torch::cat(hidden_grads, 0));
  for (size_t i = 0; i < trainable.size(); ++i)
    if (param_grads[i].defined()) add_linear_term(trainable[i], param_grads[i]);
  return result;
}

}  // namespace vlsi::distill
