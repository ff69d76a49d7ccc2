#pragma once
// Continuous batching for a server: each request's prompt is prefilled alone
// (its own KV cache), then the request joins a running batch whose decode
// steps advance every member by one token together, and leaves it when it is
// done, while others keep going. Members have different lengths: the shared
// KvCache right-aligns them and masks each row's unused slots, as a
// left-padded generate() batch does, so a member's logits equal those of its
// own single-row decode (up to float rounding of the batched matmuls).
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "vlsi/model/causal_vlm.h"
#include "vlsi/model/kv_cache.h"

namespace vlsi::infer {

// One prompt after its prefill, ready to join a batch.
struct PrefilledRow {
  torch::Tensor logits;                  // float [1, V] at the prompt's last position
  std::unique_ptr<model::KvCache> cache;  // the prompt's keys/values
  int64_t room = 0;                      // decode steps it may still take (sizes the batch's cache)
};

class ContinuousBatch {
 public:
  // `pad_id` pads nothing here (one prompt per prefill) but fills the ids of
  // the prefill as generate() does, so both run the same computation.
  ContinuousBatch(model::CausalVlm& model, int64_t pad_id);

  // Runs the prompt (ids, its images) through the decoder alone; `max_new_tokens`
  // (>= 1) bounds the steps it may take after joining.
  PrefilledRow prefill(const std::vector<int64_t>& prompt, const model::VisionInputs& images, int64_t max_new_tokens);
  // Adds the row at the end of the batch (its index is size() - 1 afterwards).
  void join(PrefilledRow row);
  // Removes the rows at these indices (any order); later rows move up.
  void leave(const std::vector<int64_t>& rows);
  // Appends one token per row (int64 [size()]) and returns the rows' float logits [size(), V].
  torch::Tensor step(const torch::Tensor& tokens);

  int64_t size() const { return int64_t(room_.size()); }
  // Positions the shared cache holds per row (padding included).
  int64_t cache_length() const { return cache_ ? cache_->length() : 0; }

 private:
  model::CausalVlm model_;
  int64_t pad_id_;
  std::unique_ptr<model::KvCache> cache_;  // every member's rows; null until the first join
  std::vector<int64_t> room_;              // steps each member may still take
};

}  // namespace vlsi::infer
