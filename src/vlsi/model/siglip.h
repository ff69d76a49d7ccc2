#pragma once
// SigLIP vision tower, parameter names as Hugging Face's SiglipVisionModel
// (registered under "vision_tower" they read vision_tower.vision_model.embeddings.
// patch_embedding.weight, ...encoder.layers.N.self_attn.q_proj.weight, ...).
// Pre-LN transformer: x + attn(ln1(x)), then x + mlp(ln2(x)); attention and MLP
// linears carry biases; the MLP uses tanh-approximated GELU.
#include <torch/torch.h>

#include <vector>

#include "vlsi/model/config.h"
#include "vlsi/model/embedding.h"
#include "vlsi/model/lora.h"

namespace vlsi::model {

class SiglipAttentionImpl : public torch::nn::Module {
 public:
  explicit SiglipAttentionImpl(const VisionConfig& c);
  torch::Tensor forward(const torch::Tensor& x);  // [N, P, E] -> [N, P, E]
  LoraLinear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};  // plain linears (lora.h)

 private:
  int64_t heads_, head_dim_;
};
TORCH_MODULE(SiglipAttention);

class SiglipMlpImpl : public torch::nn::Module {
 public:
  explicit SiglipMlpImpl(const VisionConfig& c);
  torch::Tensor forward(const torch::Tensor& x);
  LoraLinear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(SiglipMlp);

class SiglipEncoderLayerImpl : public torch::nn::Module {
 public:
  explicit SiglipEncoderLayerImpl(const VisionConfig& c);
  torch::Tensor forward(const torch::Tensor& x);
  SiglipAttention self_attn{nullptr};
  torch::nn::LayerNorm layer_norm1{nullptr}, layer_norm2{nullptr};
  SiglipMlp mlp{nullptr};
};
TORCH_MODULE(SiglipEncoderLayer);

class SiglipEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit SiglipEmbeddingsImpl(const VisionConfig& c);
  // [N, C, H, W] (H = W = image_size) -> [N, num_patches, E], patches row-major.
  torch::Tensor forward(const torch::Tensor& pixel_values);
  torch::nn::Conv2d patch_embedding{nullptr};
  Embedding position_embedding{nullptr};

 private:
  VisionConfig config_;
};
TORCH_MODULE(SiglipEmbeddings);

class SiglipEncoderImpl : public torch::nn::Module {
 public:
  explicit SiglipEncoderImpl(const VisionConfig& c);
  torch::nn::ModuleList layers{nullptr};
  std::vector<SiglipEncoderLayer> layer_list;  // typed handles to `layers`
};
TORCH_MODULE(SiglipEncoder);

class SiglipVisionTransformerImpl : public torch::nn::Module {
 public:
  explicit SiglipVisionTransformerImpl(const VisionConfig& c);
  // hidden_states[index] of HF's output tuple (0 = embeddings, i = output of
  // encoder layer i), running only the layers needed. post_layernorm is NOT
  // applied: LLaVA takes hidden_states[vision_feature_layer], and HF applies the
  // post norm only to last_hidden_state.
  torch::Tensor hidden_state(const torch::Tensor& pixel_values, int64_t index);
  // HF's last_hidden_state: every layer, then post_layernorm.
  torch::Tensor forward(const torch::Tensor& pixel_values);
  SiglipEmbeddings embeddings{nullptr};
  SiglipEncoder encoder{nullptr};
  torch::nn::LayerNorm post_layernorm{nullptr};
};
TORCH_MODULE(SiglipVisionTransformer);

// The module registered as "vision_tower" (HF SiglipVisionModel: one child "vision_model").
class SiglipVisionModelImpl : public torch::nn::Module {
 public:
  explicit SiglipVisionModelImpl(const VisionConfig& c);
  torch::Tensor hidden_state(const torch::Tensor& pixel_values, int64_t index) {
    return vision_model->hidden_state(pixel_values, index);
  }
  torch::Tensor forward(const torch::Tensor& pixel_values) { return vision_model->forward(pixel_values); }
  SiglipVisionTransformer vision_model{nullptr};
};
TORCH_MODULE(SiglipVisionModel);

}  // namespace vlsi::model
