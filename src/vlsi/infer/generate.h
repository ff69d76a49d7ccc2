#pragma once
// The one generation entry point: batched prompts (left-padded, images
// spliced in), then greedy decoding, sampling or beam search, with the KV
// cache by default. Each sample ends at a stop token id (not returned), at a
// stop string (the token completing it is returned, the text is cut before
// it), after max_new_tokens or at the model's context (max_position_embeddings).
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "vlsi/infer/step_model.h"
#include "vlsi/infer/token_sampler.h"
#include "vlsi/model/causal_vlm.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::infer {

struct GenerationOptions {
  int64_t max_new_tokens = 16;
  std::vector<int64_t> stop_ids;
  std::vector<std::string> stop_strings;  // need `tokenizer`
  int64_t pad_id = 0;
  SamplingOptions sampling;               // temperature 0 = greedy
  int64_t num_beams = 1;                  // > 1: beam search (sampling must be greedy)
  double length_penalty = 1.0;            // beam score = sum log p / generated_length ^ length_penalty
  bool use_cache = true;                  // false: the uncached reference path
  LayerExit exit;                         // early exit (default: every layer, the model's head)
  const text::Tokenizer* tokenizer = nullptr;  // for stop strings, Generation::text and on_text
  // Streaming: called with each piece of a sample's text as it becomes final
  // (greedy/sampling: as tokens come; beam search: once per sample at the end).
  std::function<void(size_t sample, const std::string& text)> on_text;
  void validate() const;  // one-line error naming the option
};

enum class FinishReason { StopToken, StopString, Length };
const char* finish_reason_name(FinishReason r);  // "stop_token", "stop_string", "length"

struct Generation {
  std::vector<int64_t> tokens;  // generated ids, without the stop token id
  std::string text;             // decoded (special tokens skipped), cut before a stop string; needs a tokenizer
  FinishReason finish = FinishReason::Length;
  double score = 0.0;           // beam search: the length-normalised log-probability; else 0
};

// prompts[i]: token ids of sample i; images: those of all samples
// in order (empty when none). Runs without gradients.
std::vector<Generation> generate(model::CausalVlm& model,
                                 const std::vector<std::vector<int64_t>>& prompts, const model::VisionInputs& images,
                                 const GenerationOptions& options);

// Left-pads id lists into [B, T] ids and a [B, T] mask (1 = token).
std::pair<torch::Tensor, torch::Tensor> left_pad(const std::vector<std::vector<int64_t>>& seqs, int64_t pad_id);

// Fills `g.text` from its tokens (cut at the first stop string) when a tokenizer is given.
void finish_text(Generation& g, const GenerationOptions& options);

// Beam search over a prefilled-to-be step model (generate() calls it for num_beams > 1).
std::vector<Generation> beam_search(StepModel& step_model, const torch::Tensor& ids, const torch::Tensor& mask,
                                    const model::VisionInputs& images, const GenerationOptions& options);

}  // namespace vlsi::infer
