#include "vlsi/infer/generate.h"

#include <algorithm>
#include <memory>

#include "vlsi/infer/text_stream.h"
#include "vlsi/io/error.h"
#include "vlsi/io/limits.h"

namespace vlsi::infer {

void GenerationOptions::validate() const {
  check(max_new_tokens >= 0, "generation: --max-new-tokens must be >= 0, got ", max_new_tokens);
  check(num_beams >= 1, "generation: --beams must be >= 1, got ", num_beams);
  check(num_beams <= io::limit_value(io::limits::kBeams), "generation: --beams ", num_beams, " is too many",
        io::limit_note(io::limits::kBeams));
  check(num_beams == 1 || sampling.greedy(), "generation: beam search (--beams ", num_beams,
        ") does not sample; leave --temperature at 0");
  check(stop_strings.empty() || tokenizer != nullptr, "generation: stop strings need a tokenizer");
  sampling.validate();
}

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::StopToken: return "stop_token";
    case FinishReason::StopString: return "stop_string";
    case FinishReason::Length: return "length";
  }
  return "?";
}

std::pair<torch::Tensor, torch::Tensor> left_pad(const std::vector<std::vector<int64_t>>& seqs, int64_t pad_id) {
  size_t len = 0;
  for (auto& s : seqs) len = std::max(len, s.size());
  auto ids = torch::full({int64_t(seqs.size()), int64_t(len)}, pad_id, torch::kLong);
  auto mask = torch::zeros({int64_t(seqs.size()), int64_t(len)}, torch::kLong);
  auto ia = ids.accessor<int64_t, 2>();
  auto ma = mask.accessor<int64_t, 2>();
  for (size_t b = 0; b < seqs.size(); ++b) {
    size_t off = len - seqs[b].size();
    for (size_t t = 0; t < seqs[b].size(); ++t) {
      ia[b][off + t] = seqs[b][t];
      ma[b][off + t] = 1;
    }
  }
  return {ids, mask};
}

void finish_text(Generation& g, const GenerationOptions& options) {
  if (!options.tokenizer) return;
  g.text = options.tokenizer->decode(g.tokens, /*skip_special=*/true);
  size_t stop = find_stop_string(g.text, options.stop_strings);
  if (stop != std::string::npos) g.text.resize(stop);
}

namespace {

bool is_stop_id(const GenerationOptions& o, int64_t id) {
  return std::find(o.stop_ids.begin(), o.stop_ids.end(), id) != o.stop_ids.end();
}

// Greedy decoding or sampling: one token per row per step.
std::vector<Generation> decode_token_by_token(StepModel& sm, const torch::Tensor& ids, const torch::Tensor& mask,
                                              const model::VisionInputs& images, const GenerationOptions& o) {
  const size_t batch = size_t(ids.size(0));
  std::vector<Generation> out(batch);
  std::vector<bool> done(batch, o.max_new_tokens == 0);
  std::vector<std::unique_ptr<TextStream>> streams(batch);
  if (o.tokenizer)
    for (auto& s : streams) s = std::make_unique<TextStream>(*o.tokenizer, o.stop_strings);
  auto emit = [&](size_t b, const std::string& text) {
    if (o.on_text && !text.empty()) o.on_text(b, text);
  };
  TokenSampler sampler(o.sampling);
  torch::Tensor logits = sm.prefill(ids, mask, images);
  for (int64_t step = 0; step < o.max_new_tokens; ++step) {
    torch::Tensor next = sampler.choose(logits);
    auto na = next.accessor<int64_t, 1>();
    bool all_done = true;
    for (size_t b = 0; b < batch; ++b) {
      if (done[b]) continue;
      const int64_t tok = na[int64_t(b)];
      if (is_stop_id(o, tok)) {
        out[b].finish = FinishReason::StopToken;
        done[b] = true;
      } else {
        out[b].tokens.push_back(tok);
        if (streams[b]) {
          emit(b, streams[b]->push(tok));
          if (streams[b]->stopped()) {
            out[b].finish = FinishReason::StopString;
            done[b] = true;
          }
        }
      }
      all_done = all_done && done[b];
    }
    if (all_done || step + 1 == o.max_new_tokens) break;
    // Finished rows keep decoding (their tokens are ignored) so the batch stays rectangular.
    logits = sm.step(next);
  }
  for (size_t b = 0; b < batch; ++b) {
    if (streams[b]) emit(b, streams[b]->finish());
    finish_text(out[b], o);
  }
  return out;
}

}  // namespace

std::vector<Generation> generate(model::CausalVlm& model,
                                 const std::vector<std::vector<int64_t>>& prompts, const model::VisionInputs& images,
                                 const GenerationOptions& options) {
  options.validate();
  check(!prompts.empty(), "generation: no prompts");
  for (size_t i = 0; i < prompts.size(); ++i) check(!prompts[i].empty(), "generation: prompt ", i, " is empty");
  torch::NoGradGuard no_grad;
  auto device = model->lm_head_weight().device();
  auto [ids, mask] = left_pad(prompts, options.pad_id);
  // Decoding stops at the model's context: positions past max_position_embeddings
  // were never trained, and the KV cache is sized by what may be generated.
  const int64_t context = model->config().text_config.max_position_embeddings;
  check(ids.size(1) < context, "generation: the prompt has ", ids.size(1),
        " tokens, leaving no room in the model's context of ", context, " tokens (max_position_embeddings)");
  GenerationOptions bounded = options;
  bounded.max_new_tokens = std::min(options.max_new_tokens, context - ids.size(1));
  ids = ids.to(device);
  mask = mask.to(device);
  const model::VisionInputs on_device = images.to(device);
  auto sm = make_step_model(model, bounded.exit, bounded.use_cache, bounded.max_new_tokens);
  if (bounded.num_beams > 1) return beam_search(*sm, ids, mask, on_device, bounded);
  return decode_token_by_token(*sm, ids, mask, on_device, bounded);
}

}  // namespace vlsi::infer
