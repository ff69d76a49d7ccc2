#pragma once
// Batched greedy decoding without a KV cache: prompts are left-padded, the
// image features and prompt embeddings are computed once, and each step runs
// the decoder over the whole (growing) sequence. Answers of a few tokens make
// this cheap enough for evaluation; a cached path can replace it later.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "vlsi/model/vlm.h"

namespace vlsi::infer {

struct GreedyOptions {
  int64_t max_new_tokens = 16;
  std::vector<int64_t> stop_ids;  // generation of a sample ends after any of these (not returned)
  int64_t pad_id = 0;
};

// prompts[i]: the token ids of sample i; pixel_values: the images of all
// samples in order ([N, C, S, S], or undefined when no prompt has images).
// Returns the generated ids of each sample without the stop token.
std::vector<std::vector<int64_t>> greedy_generate(model::VlmForConditionalGeneration& model,
                                                  const std::vector<std::vector<int64_t>>& prompts,
                                                  const torch::Tensor& pixel_values, const GreedyOptions& options);

// Left-pads id lists into [B, T] ids and a [B, T] mask (1 = token).
std::pair<torch::Tensor, torch::Tensor> left_pad(const std::vector<std::vector<int64_t>>& seqs, int64_t pad_id);

}  // namespace vlsi::infer
