#include "vlsi/infer/token_sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include <limits>

#include "vlsi/io/error.h"

namespace vlsi::infer {

void SamplingOptions::validate() const {
  check(temperature >= 0.0, "sampling: --temperature must be >= 0 (0 = greedy), got ", temperature);
  check(top_k >= 0, "sampling: --top-k must be >= 0 (0 = no limit), got ", top_k);
  check(top_p > 0.0 && top_p <= 1.0, "sampling: --top-p must be in (0, 1], got ", top_p);
}

TokenSampler::TokenSampler(const SamplingOptions& options)
    : options_(options), generator_(at::make_generator<at::CPUGeneratorImpl>(options.seed)) {
  options_.validate();
}

torch::Tensor TokenSampler::choose(const torch::Tensor& logits) {
  torch::Tensor l = logits.detach().to(torch::kCPU, torch::kFloat);
  if (options_.greedy()) return l.argmax(-1);
  const int64_t V = l.size(-1);
  // Stable descending sort: among equal logits the lower id comes first, as
  // argmax picks it, so top-k = 1 is exactly greedy.
  auto [sorted, order] = l.sort(/*stable=*/true, /*dim=*/-1, /*descending=*/true);
  sorted = sorted / options_.temperature;
  if (options_.top_k > 0 && options_.top_k < V)
    sorted.narrow(-1, options_.top_k, V - options_.top_k).fill_(-std::numeric_limits<float>::infinity());
  torch::Tensor probs = torch::softmax(sorted, -1);
  if (options_.top_p < 1.0) {
    // Drop a token once the tokens before it already reach top_p (the first always stays).
    torch::Tensor before = probs.cumsum(-1) - probs;
    probs = probs.masked_fill(before >= options_.top_p, 0.0);
  }
  torch::Tensor pick = torch::multinomial(probs, 1, /*replacement=*/false, generator_);  // [B, 1] into `order`
  return order.gather(-1, pick).squeeze(-1);
}

}  // namespace vlsi::infer
