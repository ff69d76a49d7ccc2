#pragma once
// What a decoding strategy drives: a batch of left-padded prompts goes in
// once, then one token per row per step, and each call returns the logits of
// every row's newest position. Two implementations with the same results:
//  - cached: a KvCache holds every layer's keys/values, so a step runs the
//    decoder over one position (the fast path, used by default);
//  - uncached: the training forward over the whole sequence at every step
//    (the reference the cached path is tested against).
// Both can stop after the first `layers` decoder layers and use any head on
// that layer's hidden state: early-exit decoding with a verbalizer (VLsI Fig. 3).
#include <torch/torch.h>

#include <functional>
#include <memory>

#include "vlsi/model/kv_cache.h"
#include "vlsi/model/causal_vlm.h"

namespace vlsi::infer {

// Hidden state [B, H] of the last layer run (before the final norm) -> logits [B, V].
using HiddenHead = std::function<torch::Tensor(const torch::Tensor&)>;

// Where decoding leaves the decoder. Default: every layer, then the model's
// final norm and LM head (ordinary decoding).
struct LayerExit {
  int64_t layers = 0;  // decoder layers to run, 1..num_hidden_layers (0 = all)
  HiddenHead head;     // empty = the model's final norm + LM head
};

class StepModel {
 public:
  virtual ~StepModel() = default;
  // ids, mask [B, T] (left-padded, 1 = token); images: those of every row, in
  // order. Returns float logits [B, V] at position T - 1.
  virtual torch::Tensor prefill(const torch::Tensor& ids, const torch::Tensor& mask,
                                const model::VisionInputs& images) = 0;
  // Appends tokens [B] (one per row) and returns their float logits [B, V].
  virtual torch::Tensor step(const torch::Tensor& tokens) = 0;
  // Keeps rows `rows` (int64 indices, repeats allowed) of the batch so far.
  virtual void select_rows(const torch::Tensor& rows) = 0;
};

// `max_new_tokens` bounds how many steps follow the prefill (the cache's size).
std::unique_ptr<StepModel> make_step_model(model::CausalVlm& model, const LayerExit& exit,
                                           bool use_cache, int64_t max_new_tokens);

}  // namespace vlsi::infer
