#include "vlsi/infer/step_model.h"

#include "vlsi/io/error.h"
#include "vlsi/model/attention.h"

namespace vlsi::infer {

torch::Tensor cached_decoder_forward(model::VlmForConditionalGeneration& model, const torch::Tensor& embeds,
                                     const torch::Tensor& new_mask, KvCache& cache) {
  const auto& tc = model->config().text_config;
  auto& layers = model->language_model->model->layer_list;
  check(cache.layers() <= int64_t(layers.size()), "kv cache: ", cache.layers(), " layers but the decoder has ",
        layers.size());
  const int64_t T = embeds.size(1);
  // Rotary tables and bias are shared by every layer, as in Qwen2ModelImpl::forward.
  torch::Tensor positions = cache.begin_step(new_mask.to(embeds.device()));
  model::RotaryTables rope = model::rotary_tables(positions, tc.head_dim(), tc.rope_theta, embeds.scalar_type());
  torch::Tensor bias = model::causal_attention_bias(cache.key_mask(), T, embeds.scalar_type());
  torch::Tensor h = embeds;
  // Qwen2DecoderLayerImpl::forward with the cache between project and attend.
  for (int64_t l = 0; l < cache.layers(); ++l) {
    auto& layer = layers[size_t(l)];
    auto p = layer->self_attn->project(layer->input_layernorm->forward(h), rope);
    std::tie(p.k, p.v) = cache.append(l, p.k, p.v);
    h = h + layer->self_attn->attend(p, bias);
    h = h + layer->mlp->forward(layer->post_attention_layernorm->forward(h));
  }
  cache.end_step();
  return h;
}

namespace {

int64_t layers_to_run(model::VlmForConditionalGeneration& model, const LayerExit& exit) {
  const int64_t n = model->config().text_config.num_hidden_layers;
  check(exit.layers >= 0 && exit.layers <= n, "early exit: ", exit.layers, " layers asked of a decoder with ", n);
  return exit.layers == 0 ? n : exit.layers;
}

// Float logits of the last layer run, at the newest position.
torch::Tensor head_logits(model::VlmForConditionalGeneration& model, const HiddenHead& head, const torch::Tensor& last) {
  torch::Tensor logits = head ? head(last) : model->logits_from_hidden(last);
  return logits.to(torch::kFloat);
}

class CachedStepModel : public StepModel {
 public:
  CachedStepModel(model::VlmForConditionalGeneration& model, const LayerExit& exit, int64_t max_new_tokens)
      : model_(model), head_(exit.head), layers_(layers_to_run(model, exit)), max_new_(max_new_tokens) {}

  torch::Tensor prefill(const torch::Tensor& ids, const torch::Tensor& mask, const torch::Tensor& pixels) override {
    const int64_t T = ids.size(1);
    cache_ = std::make_unique<KvCache>(layers_, T + std::max<int64_t>(1, max_new_));
    auto h = cached_decoder_forward(model_, model_->input_embeddings(ids, pixels), mask, *cache_);
    return head_logits(model_, head_, h.select(1, T - 1));
  }

  torch::Tensor step(const torch::Tensor& tokens) override {
    check(cache_ != nullptr, "decoding: step before prefill");
    auto ids = tokens.to(model_->lm_head_weight().device(), torch::kLong).view({-1, 1});
    auto embeds = model_->language_model->model->embed_tokens->forward(ids);
    auto h = cached_decoder_forward(model_, embeds, torch::ones_like(ids), *cache_);
    return head_logits(model_, head_, h.select(1, 0));
  }

  void select_rows(const torch::Tensor& rows) override { cache_->select_rows(rows); }

 private:
  model::VlmForConditionalGeneration model_;
  HiddenHead head_;
  int64_t layers_, max_new_;
  std::unique_ptr<KvCache> cache_;
};

class UncachedStepModel : public StepModel {
 public:
  UncachedStepModel(model::VlmForConditionalGeneration& model, const LayerExit& exit)
      : model_(model), head_(exit.head), layers_(layers_to_run(model, exit)) {}

  torch::Tensor prefill(const torch::Tensor& ids, const torch::Tensor& mask, const torch::Tensor& pixels) override {
    embeds_ = model_->input_embeddings(ids, pixels);
    mask_ = mask;
    return run();
  }

  torch::Tensor step(const torch::Tensor& tokens) override {
    auto ids = tokens.to(embeds_.device(), torch::kLong).view({-1, 1});
    embeds_ = torch::cat({embeds_, model_->language_model->model->embed_tokens->forward(ids)}, 1);
    mask_ = torch::cat({mask_, torch::ones_like(ids)}, 1);
    return run();
  }

  void select_rows(const torch::Tensor& rows) override {
    embeds_ = embeds_.index_select(0, rows.to(embeds_.device()));
    mask_ = mask_.index_select(0, rows.to(mask_.device()));
  }

 private:
  torch::Tensor run() {
    const bool early = layers_ < model_->config().text_config.num_hidden_layers;
    auto dec = model_->language_model->model->forward(embeds_, mask_, early);
    const auto& h = early ? dec.layer_outputs[size_t(layers_ - 1)] : dec.last_hidden_state;
    return head_logits(model_, head_, h.select(1, h.size(1) - 1));
  }

  model::VlmForConditionalGeneration model_;
  HiddenHead head_;
  int64_t layers_;
  torch::Tensor embeds_, mask_;
};

}  // namespace

std::unique_ptr<StepModel> make_step_model(model::VlmForConditionalGeneration& model, const LayerExit& exit,
                                           bool use_cache, int64_t max_new_tokens) {
  if (use_cache) return std::make_unique<CachedStepModel>(model, exit, max_new_tokens);
  return std::make_unique<UncachedStepModel>(model, exit);
}

}  // namespace vlsi::infer
