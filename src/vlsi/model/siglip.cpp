#include "vlsi/model/siglip.h"

#include "vlsi/io/error.h"
#include "vlsi/model/attention.h"
#include "vlsi/model/fused_linear.h"

namespace vlsi::model {
namespace nn = torch::nn;

SiglipAttentionImpl::SiglipAttentionImpl(const VisionConfig& c)
    : heads_(c.num_attention_heads), head_dim_(c.head_dim()) {
  q_proj = register_module("q_proj", LoraLinear(c.hidden_size, c.hidden_size, /*bias=*/true));
  k_proj = register_module("k_proj", LoraLinear(c.hidden_size, c.hidden_size, /*bias=*/true));
  v_proj = register_module("v_proj", LoraLinear(c.hidden_size, c.hidden_size, /*bias=*/true));
  out_proj = register_module("out_proj", LoraLinear(c.hidden_size, c.hidden_size, /*bias=*/true));
}

torch::Tensor SiglipAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t N = x.size(0), P = x.size(1);
  auto split = [&](const torch::Tensor& t) { return t.view({N, P, heads_, head_dim_}).transpose(1, 2); };
  auto qkv = fused_linear(x, {q_proj->weight, k_proj->weight, v_proj->weight}, {q_proj->bias, k_proj->bias, v_proj->bias});
  auto out = model::scaled_dot_product_attention(split(qkv[0]), split(qkv[1]), split(qkv[2]), torch::Tensor());
  return out_proj->forward(out.transpose(1, 2).reshape({N, P, heads_ * head_dim_}));
}

SiglipMlpImpl::SiglipMlpImpl(const VisionConfig& c) {
  fc1 = register_module("fc1", LoraLinear(c.hidden_size, c.intermediate_size, /*bias=*/true));
  fc2 = register_module("fc2", LoraLinear(c.intermediate_size, c.hidden_size, /*bias=*/true));
}

torch::Tensor SiglipMlpImpl::forward(const torch::Tensor& x) {
  return fc2->forward(torch::gelu(fc1->forward(x), "tanh"));
}

SiglipEncoderLayerImpl::SiglipEncoderLayerImpl(const VisionConfig& c) {
  auto ln = nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps);
  self_attn = register_module("self_attn", SiglipAttention(c));
  layer_norm1 = register_module("layer_norm1", nn::LayerNorm(ln));
  mlp = register_module("mlp", SiglipMlp(c));
  layer_norm2 = register_module("layer_norm2", nn::LayerNorm(ln));
}

torch::Tensor SiglipEncoderLayerImpl::forward(const torch::Tensor& x) {
  auto h = x + self_attn->forward(layer_norm1->forward(x));
  return h + mlp->forward(layer_norm2->forward(h));
}

SiglipEmbeddingsImpl::SiglipEmbeddingsImpl(const VisionConfig& c) : config_(c) {
  patch_embedding = register_module(
      "patch_embedding",
      nn::Conv2d(nn::Conv2dOptions(c.num_channels, c.hidden_size, c.patch_size).stride(c.patch_size).bias(true)));
  position_embedding = register_module("position_embedding", Embedding(c.num_patches(), c.hidden_size));
}

torch::Tensor SiglipEmbeddingsImpl::forward(const torch::Tensor& pixel_values) {
  check(pixel_values.dim() == 4 && pixel_values.size(1) == config_.num_channels &&
            pixel_values.size(2) == config_.image_size && pixel_values.size(3) == config_.image_size,
        "vision tower: pixel_values must be [N, ", config_.num_channels, ", ", config_.image_size, ", ",
        config_.image_size, "], got ", pixel_values.sizes());
  auto patches = patch_embedding->forward(pixel_values.to(patch_embedding->weight.scalar_type()));
  // [N, E, h, w] -> [N, h*w, E]; position ids are 0..P-1, so add the table directly.
  return patches.flatten(2).transpose(1, 2) + position_embedding->weight.unsqueeze(0);
}

SiglipEncoderImpl::SiglipEncoderImpl(const VisionConfig& c) {
  layers = register_module("layers", nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    layer_list.push_back(SiglipEncoderLayer(c));
    layers->push_back(layer_list.back());
  }
}

SiglipVisionTransformerImpl::SiglipVisionTransformerImpl(const VisionConfig& c) {
  embeddings = register_module("embeddings", SiglipEmbeddings(c));
  encoder = register_module("encoder", SiglipEncoder(c));
  post_layernorm = register_module("post_layernorm", nn::LayerNorm(nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
}

torch::Tensor SiglipVisionTransformerImpl::hidden_state(const torch::Tensor& pixel_values, int64_t index) {
  const int64_t n_layers = static_cast<int64_t>(encoder->layer_list.size());
  check(index >= 0 && index <= n_layers, "vision tower: hidden state ", index, " requested, have 0..", n_layers);
  auto h = embeddings->forward(pixel_values);
  for (int64_t i = 0; i < index; ++i) h = encoder->layer_list[i]->forward(h);
  return h;
}

torch::Tensor SiglipVisionTransformerImpl::forward(const torch::Tensor& pixel_values) {
  return post_layernorm->forward(hidden_state(pixel_values, static_cast<int64_t>(encoder->layer_list.size())));
}

SiglipVisionModelImpl::SiglipVisionModelImpl(const VisionConfig& c) {
  vision_model = register_module("vision_model", SiglipVisionTransformer(c));
}

}  // namespace vlsi::model
