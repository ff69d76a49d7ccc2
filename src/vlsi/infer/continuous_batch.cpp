#include "vlsi/infer/continuous_batch.h"

#include <algorithm>

#include "vlsi/infer/generate.h"
#include "vlsi/io/error.h"

namespace vlsi::infer {

namespace {

// NaN/Inf weights would decode as garbage tokens: fail as generate() does.
torch::Tensor checked_logits(model::CausalVlm& model, const torch::Tensor& hidden) {
  torch::Tensor logits = model->logits_from_hidden(hidden).to(torch::kFloat);
  check(torch::isfinite(logits).all().item<bool>(),
        "generation: the model's logits contain NaN or Inf (its weights or inputs are not finite)");
  return logits;
}

}  // namespace

ContinuousBatch::ContinuousBatch(model::CausalVlm& model, int64_t pad_id) : model_(model), pad_id_(pad_id) {}

PrefilledRow ContinuousBatch::prefill(const std::vector<int64_t>& prompt, const model::VisionInputs& images,
                                      int64_t max_new_tokens) {
  check(!prompt.empty(), "generation: the prompt is empty");
  check(max_new_tokens >= 1, "generation: a batch member needs room for at least one token, got ", max_new_tokens);
  torch::NoGradGuard no_grad;
  const auto device = model_->lm_head_weight().device();
  auto [ids, mask] = left_pad({prompt}, pad_id_);
  ids = ids.to(device);
  mask = mask.to(device);
  const model::VisionInputs on_device = images.to(device);
  const int64_t T = ids.size(1);
  PrefilledRow row;
  row.cache = std::make_unique<model::KvCache>(model_->num_layers(), T + max_new_tokens);
  auto h = model_->decode_cached(model_->input_embeddings(ids, on_device), mask, *row.cache,
                                 model_->position_ids(ids, on_device, mask));
  row.logits = checked_logits(model_, h.select(1, T - 1));
  row.room = max_new_tokens;
  return row;
}

void ContinuousBatch::join(PrefilledRow row) {
  check(row.cache != nullptr, "continuous batch: the row to join has no cache");
  if (!cache_) cache_ = std::make_unique<model::KvCache>(row.cache->layers(), 1);
  // Every step appends a slot to every row, so the cache must hold the
  // longest-lived member's remaining steps after the merged length.
  int64_t room = row.room;
  for (int64_t r : room_) room = std::max(room, r);
  cache_->add_rows(*row.cache, std::max(cache_->length(), row.cache->length()) + room);
  room_.push_back(row.room);
}

void ContinuousBatch::leave(const std::vector<int64_t>& rows) {
  if (rows.empty()) return;
  std::vector<bool> leaving(room_.size(), false);
  for (int64_t r : rows) {
    check(r >= 0 && r < size(), "continuous batch: row ", r, " outside 0..", size() - 1);
    leaving[size_t(r)] = true;
  }
  std::vector<int64_t> kept;
  std::vector<int64_t> kept_room;
  for (size_t r = 0; r < room_.size(); ++r)
    if (!leaving[r]) {
      kept.push_back(int64_t(r));
      kept_room.push_back(room_[r]);
    }
  cache_->select_rows(torch::tensor(kept, torch::kLong));
  cache_->drop_unused_prefix();
  room_ = std::move(kept_room);
}

torch::Tensor ContinuousBatch::step(const torch::Tensor& tokens) {
  check(size() > 0, "continuous batch: step on an empty batch");
  check(tokens.dim() == 1 && tokens.size(0) == size(), "continuous batch: a step needs one token per row (",
        size(), "), got ", tokens.sizes());
  for (int64_t r : room_) check(r > 0, "continuous batch: a row has used all the steps it joined with");
  torch::NoGradGuard no_grad;
  auto ids = tokens.to(model_->lm_head_weight().device(), torch::kLong).view({-1, 1});
  auto h = model_->decode_cached(model_->embed_tokens(ids), torch::ones_like(ids), *cache_);
  for (auto& r : room_) --r;
  return checked_logits(model_, h.select(1, 0));
}

}  // namespace vlsi::infer
