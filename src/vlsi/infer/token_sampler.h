#pragma once
// Picks the next token of every row from its logits: greedy (argmax), or a
// draw from softmax(logits / temperature) restricted to the top-k tokens and
// to the smallest set whose probability reaches top-p. Draws come from a
// private generator seeded once, so a run is reproducible by its seed and
// never touches the global torch RNG. Logits are moved to the CPU first, so
// the draws do not depend on the device either.
#include <ATen/core/Generator.h>
#include <torch/torch.h>

#include <cstdint>

namespace vlsi::infer {

struct SamplingOptions {
  double temperature = 0.0;  // 0 = greedy
  int64_t top_k = 0;         // 0 = no limit
  double top_p = 1.0;        // 1 = no limit
  uint64_t seed = 0;
  bool greedy() const { return temperature <= 0.0; }
  void validate() const;  // one-line error naming the option
};

class TokenSampler {
 public:
  explicit TokenSampler(const SamplingOptions& options);
  // logits [B, V] (any device/dtype) -> chosen ids int64 [B] on the CPU.
  torch::Tensor choose(const torch::Tensor& logits);

 private:
  SamplingOptions options_;
  at::Generator generator_;
};

}  // namespace vlsi::infer
