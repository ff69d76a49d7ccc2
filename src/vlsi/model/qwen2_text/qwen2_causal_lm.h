#pragma once
// Qwen2ForCausalLM as a CausalVlm: "model" (the Qwen2 decoder) and "lm_head",
// parameter names as transformers' (model.embed_tokens.weight,
// model.layers.N..., model.norm.weight, lm_head.weight; no lm_head when tied).
// A text-only model refuses images. Qwen2-VL builds on it: the same decoder
// and head under the same names, plus its vision transformer.
#include <torch/torch.h>

#include "vlsi/model/causal_vlm.h"
#include "vlsi/model/qwen2.h"

namespace vlsi::model::qwen2 {

class Qwen2CausalLmImpl : public CausalVlmImpl {
 public:
  explicit Qwen2CausalLmImpl(const VlmConfig& config);

  const VlmConfig& config() const override { return config_; }
  int64_t num_layers() const override { return config_.text_config.num_hidden_layers; }
  int64_t hidden_size() const override { return config_.text_config.hidden_size; }
  int64_t vocab_size() const override { return config_.text_config.vocab_size; }

  torch::Tensor embed_tokens(const torch::Tensor& ids) override { return model->embed_tokens->forward(ids); }
  torch::Tensor input_embeddings(const torch::Tensor& input_ids, const VisionInputs& images) override;
  DecoderOutput decode(const torch::Tensor& embeds, const torch::Tensor& attention_mask, bool collect_layer_outputs,
                       const torch::Tensor& position_ids = {}) override;
  torch::Tensor decode_cached(const torch::Tensor& embeds, const torch::Tensor& new_mask, KvCache& cache,
                              const torch::Tensor& position_ids = {}) override;
  torch::Tensor final_norm(const torch::Tensor& hidden) override { return model->final_norm(hidden); }
  const torch::Tensor& final_norm_weight() const override { return model->norm->weight; }
  void set_gradient_checkpointing(bool on) override { model->set_gradient_checkpointing(on); }
  const torch::Tensor& lm_head_weight() const override { return lm_->head_weight(); }
  Part part_of_parameter(const std::string& parameter_name) const override;
  std::shared_ptr<torch::nn::Module> new_decoder_layer() const override { return model->new_layer().ptr(); }
  torch::Tensor run_decoder_layer(torch::nn::Module& layer, const torch::Tensor& hidden,
                                  const torch::Tensor& attention_mask, const torch::Tensor& position_ids) override {
    return model->run_layer(as_decoder_layer(layer), hidden, attention_mask, position_ids);
  }

  Qwen2Model model{nullptr};
  LoraLinear lm_head{nullptr};  // null when tied

 protected:
  void place_decoder(const LayerPlacement& placement) override;
  // input_ids checked against the vocabulary, embedded.
  torch::Tensor text_embeddings(const torch::Tensor& input_ids);
  VlmConfig config_;

 private:
  Qwen2ForCausalLM lm_{nullptr};  // owns model and lm_head; its children are registered here by name
};
TORCH_MODULE(Qwen2CausalLm);

}  // namespace vlsi::model::qwen2
