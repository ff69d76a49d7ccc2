#pragma once
// The original batched greedy API, kept for callers that want only the ids;
// it runs generate() (KV cache) with greedy decoding.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "vlsi/infer/generate.h"
#include "vlsi/model/causal_vlm.h"

namespace vlsi::infer {

struct GreedyOptions {
  int64_t max_new_tokens = 16;
  std::vector<int64_t> stop_ids;  // generation of a sample ends after any of these (not returned)
  int64_t pad_id = 0;
};

// prompts[i]: the token ids of sample i; images: those of all samples in
// order (empty when no prompt has images).
// Returns the generated ids of each sample without the stop token.
std::vector<std::vector<int64_t>> greedy_generate(model::CausalVlm& model,
                                                  const std::vector<std::vector<int64_t>>& prompts,
                                                  const model::VisionInputs& images, const GreedyOptions& options);

}  // namespace vlsi::infer
