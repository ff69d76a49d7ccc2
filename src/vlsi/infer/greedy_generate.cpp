#include "vlsi/infer/greedy_generate.h"

#include <algorithm>

#include "vlsi/io/error.h"

namespace vlsi::infer {

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

std::vector<std::vector<int64_t>> greedy_generate(model::VlmForConditionalGeneration& model,
                                                  const std::vector<std::vector<int64_t>>& prompts,
                                                  const torch::Tensor& pixel_values, const GreedyOptions& options) {
  check(!prompts.empty(), "greedy_generate: no prompts");
  for (size_t i = 0; i < prompts.size(); ++i) check(!prompts[i].empty(), "greedy_generate: prompt ", i, " is empty");
  torch::NoGradGuard no_grad;
  auto device = model->parameters().front().device();
  auto [ids, mask] = left_pad(prompts, options.pad_id);
  ids = ids.to(device);
  mask = mask.to(device);
  torch::Tensor pix = pixel_values.defined() ? pixel_values.to(device) : pixel_values;
  auto embeds = model->input_embeddings(ids, pix);
  auto& lm = model->language_model;

  const int64_t batch = ids.size(0);
  std::vector<std::vector<int64_t>> out(batch);
  std::vector<bool> done(batch, false);
  for (int64_t step = 0; step < options.max_new_tokens; ++step) {
    auto dec = lm->model->forward(embeds, mask);
    auto last = dec.last_hidden_state.select(1, dec.last_hidden_state.size(1) - 1);  // [B, H]
    auto next = lm->logits(lm->model->norm->forward(last)).argmax(-1).to(torch::kCPU);
    auto na = next.accessor<int64_t, 1>();
    bool all_done = true;
    for (int64_t b = 0; b < batch; ++b) {
      if (done[b]) continue;
      int64_t tok = na[b];
      if (std::find(options.stop_ids.begin(), options.stop_ids.end(), tok) != options.stop_ids.end()) done[b] = true;
      else out[b].push_back(tok);
      all_done = all_done && done[b];
    }
    if (all_done) break;
    // Finished samples keep decoding (their output is ignored) so the batch stays rectangular.
    auto next_dev = next.to(device).unsqueeze(1);
    embeds = torch::cat({embeds, lm->model->embed_tokens->forward(next_dev)}, 1);
    mask = torch::cat({mask, torch::ones({batch, 1}, mask.options())}, 1);
  }
  return out;
}

}  // namespace vlsi::infer
