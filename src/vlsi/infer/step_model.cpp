#include "vlsi/infer/step_model.h"

#include "vlsi/io/error.h"
#include "vlsi/model/attention.h"

namespace vlsi::infer {

namespace {

int64_t layers_to_run(model::CausalVlm& model, const LayerExit& exit) {
  const int64_t n = model->num_layers();
  check(exit.layers >= 0 && exit.layers <= n, "early exit: ", exit.layers, " layers asked of a decoder with ", n);
  return exit.layers == 0 ? n : exit.layers;
}

// Float logits of the last layer run, at the newest position. NaN/Inf weights
// would otherwise decode as garbage tokens and exit 0: fail instead.
torch::Tensor head_logits(model::CausalVlm& model, const HiddenHead& head, const torch::Tensor& last) {
  torch::Tensor logits = (head ? head(last) : model->logits_from_hidden(last)).to(torch::kFloat);
  check(torch::isfinite(logits).all().item<bool>(),
        "generation: the model's logits contain NaN or Inf (its weights or inputs are not finite)");
  return logits;
}

class CachedStepModel : public StepModel {
 public:
  CachedStepModel(model::CausalVlm& model, const LayerExit& exit, int64_t max_new_tokens)
      : model_(model), head_(exit.head), layers_(layers_to_run(model, exit)), max_new_(max_new_tokens) {}

  torch::Tensor prefill(const torch::Tensor& ids, const torch::Tensor& mask, const model::VisionInputs& images) override {
    const int64_t T = ids.size(1);
    cache_ = std::make_unique<model::KvCache>(layers_, T + std::max<int64_t>(1, max_new_));
    auto h = model_->decode_cached(model_->input_embeddings(ids, images), mask, *cache_,
                                   model_->position_ids(ids, images, mask));
    return head_logits(model_, head_, h.select(1, T - 1));
  }

  torch::Tensor step(const torch::Tensor& tokens) override {
    check(cache_ != nullptr, "decoding: step before prefill");
    auto ids = tokens.to(model_->lm_head_weight().device(), torch::kLong).view({-1, 1});
    auto embeds = model_->embed_tokens(ids);
    auto h = model_->decode_cached(embeds, torch::ones_like(ids), *cache_);
    return head_logits(model_, head_, h.select(1, 0));
  }

  void select_rows(const torch::Tensor& rows) override { cache_->select_rows(rows); }

 private:
  model::CausalVlm model_;
  HiddenHead head_;
  int64_t layers_, max_new_;
  std::unique_ptr<model::KvCache> cache_;
};

class UncachedStepModel : public StepModel {
 public:
  UncachedStepModel(model::CausalVlm& model, const LayerExit& exit)
      : model_(model), head_(exit.head), layers_(layers_to_run(model, exit)) {}

  torch::Tensor prefill(const torch::Tensor& ids, const torch::Tensor& mask, const model::VisionInputs& images) override {
    embeds_ = model_->input_embeddings(ids, images);
    mask_ = mask;
    positions_ = model_->position_ids(ids, images, mask);
    if (positions_.defined()) next_position_ = model::largest_real_position(positions_, mask) + 1;
    return run();
  }

  torch::Tensor step(const torch::Tensor& tokens) override {
    auto ids = tokens.to(embeds_.device(), torch::kLong).view({-1, 1});
    embeds_ = torch::cat({embeds_, model_->embed_tokens(ids)}, 1);
    mask_ = torch::cat({mask_, torch::ones_like(ids)}, 1);
    if (positions_.defined()) {  // the new token follows each row's largest position, in every row
      auto next = next_position_.to(positions_.device()).view({-1, 1});
      positions_ = torch::cat({positions_, positions_.dim() == 3 ? next.unsqueeze(0).expand({3, -1, 1}) : next}, -1);
      next_position_ = next_position_ + 1;
    }
    return run();
  }

  void select_rows(const torch::Tensor& rows) override {
    embeds_ = embeds_.index_select(0, rows.to(embeds_.device()));
    mask_ = mask_.index_select(0, rows.to(mask_.device()));
    if (positions_.defined()) {
      positions_ = positions_.index_select(positions_.dim() - 2, rows.to(positions_.device()));
      next_position_ = next_position_.index_select(0, rows.to(next_position_.device()));
    }
  }

 private:
  torch::Tensor run() {
    const bool early = layers_ < model_->num_layers();
    auto dec = model_->decode(embeds_, mask_, early, positions_);
    const auto& h = early ? dec.layer_outputs[size_t(layers_ - 1)] : dec.last_hidden_state;
    return head_logits(model_, head_, h.select(1, h.size(1) - 1));
  }

  model::CausalVlm model_;
  HiddenHead head_;
  int64_t layers_;
  torch::Tensor embeds_, mask_;
  torch::Tensor positions_, next_position_;  // the model's own positions and each row's next; else undefined
};

}  // namespace

std::unique_ptr<StepModel> make_step_model(model::CausalVlm& model, const LayerExit& exit,
                                           bool use_cache, int64_t max_new_tokens) {
  if (use_cache) return std::make_unique<CachedStepModel>(model, exit, max_new_tokens);
  return std::make_unique<UncachedStepModel>(model, exit);
}

}  // namespace vlsi::infer
