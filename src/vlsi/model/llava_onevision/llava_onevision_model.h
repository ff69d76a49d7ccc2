#pragma once
// LLaVA-OneVision as transformers 4.57 runs it (LlavaOnevisionForConditionalGeneration,
// saved in the legacy layout): "vision_tower" (SigLIP), "multi_modal_projector",
// "language_model" (Qwen2) and "image_newline". An image alone in its sample
// arrives as anyres tiles (base image first): the grid tiles' features are
// stitched into one map, unpadded, shrunk past anyres_max_N, and closed by an
// image_newline per row, after the base tile's features. An image sharing its
// sample arrives as one tile and gets one image_newline. The packed features
// replace, in order, the positions where input_ids == image_token_index.
#include <torch/torch.h>

#include "vlsi/model/causal_vlm.h"
#include "vlsi/model/llava_onevision/anyres.h"
#include "vlsi/model/projector.h"
#include "vlsi/model/qwen2.h"
#include "vlsi/model/siglip.h"

namespace vlsi::model::llava_onevision {

class LlavaOnevisionForConditionalGenerationImpl : public CausalVlmImpl {
 public:
  explicit LlavaOnevisionForConditionalGenerationImpl(const VlmConfig& config);

  const VlmConfig& config() const override { return config_; }
  int64_t num_layers() const override { return config_.text_config.num_hidden_layers; }
  int64_t hidden_size() const override { return config_.text_config.hidden_size; }
  int64_t vocab_size() const override { return config_.text_config.vocab_size; }

  torch::Tensor embed_tokens(const torch::Tensor& ids) override;
  torch::Tensor input_embeddings(const torch::Tensor& input_ids, const VisionInputs& images) override;
  DecoderOutput decode(const torch::Tensor& embeds, const torch::Tensor& attention_mask, bool collect_layer_outputs,
                       const torch::Tensor& position_ids = {}) override;
  torch::Tensor decode_cached(const torch::Tensor& embeds, const torch::Tensor& new_mask, KvCache& cache,
                              const torch::Tensor& position_ids = {}) override;
  torch::Tensor final_norm(const torch::Tensor& hidden) override { return language_model->model->final_norm(hidden); }
  const torch::Tensor& final_norm_weight() const override { return language_model->model->norm->weight; }
  void set_gradient_checkpointing(bool on) override { language_model->model->set_gradient_checkpointing(on); }
  const torch::Tensor& lm_head_weight() const override { return language_model->head_weight(); }
  Part part_of_parameter(const std::string& parameter_name) const override;
  std::shared_ptr<torch::nn::Module> new_decoder_layer() const override { return language_model->model->new_layer().ptr(); }
  torch::Tensor run_decoder_layer(torch::nn::Module& layer, const torch::Tensor& hidden,
                                  const torch::Tensor& attention_mask, const torch::Tensor& position_ids) override {
    return language_model->model->run_layer(as_decoder_layer(layer), hidden, attention_mask, position_ids);
  }

  // Projected features of every tile [tiles, P, text hidden] (vision_feature_layer, select strategy).
  torch::Tensor tile_features(const torch::Tensor& pixel_values);
  // Every image's packed features, concatenated [features, text hidden] (pack_image_features).
  torch::Tensor image_features(const VisionInputs& images);
  // The anyres arithmetic of this configuration.
  const AnyresParams& anyres_params() const { return anyres_; }

  SiglipVisionModel vision_tower{nullptr};
  MultiModalProjector multi_modal_projector{nullptr};
  Qwen2ForCausalLM language_model{nullptr};
  torch::Tensor image_newline;  // [text hidden]

 protected:
  void place_decoder(const LayerPlacement& placement) override;

 private:
  torch::Tensor pack_anyres(const torch::Tensor& tiles, const std::array<int64_t, 2>& image_size);

  VlmConfig config_;
  AnyresParams anyres_;
};
TORCH_MODULE(LlavaOnevisionForConditionalGeneration);

}  // namespace vlsi::model::llava_onevision
