#pragma once
// Qwen2 decoder, parameter names as Hugging Face's Qwen2ForCausalLM (registered
// under "language_model": language_model.model.embed_tokens.weight,
// language_model.model.layers.N.self_attn.q_proj.{weight,bias}, ...o_proj.weight,
// ...mlp.{gate,up,down}_proj.weight, ...input_layernorm.weight,
// ...post_attention_layernorm.weight, language_model.model.norm.weight,
// language_model.lm_head.weight (absent when the embeddings are tied)).
// RMSNorm, RoPE (rotate_half), grouped-query attention with q/k/v bias and no
// o_proj bias, SwiGLU MLP; causal + padding mask from a [B, T] attention mask.
#include <torch/torch.h>

#include <vector>

#include "vlsi/model/attention.h"
#include "vlsi/model/config.h"
#include "vlsi/model/decoder_output.h"
#include "vlsi/model/embedding.h"
#include "vlsi/model/kv_cache.h"
#include "vlsi/model/layer_placement.h"
#include "vlsi/model/lora.h"

namespace vlsi::model {

class Qwen2RmsNormImpl : public torch::nn::Module {
 public:
  Qwen2RmsNormImpl(int64_t size, double eps);
  // Normalises in float32 and scales in the input dtype, as HF does.
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight;

 private:
  double eps_;
};
TORCH_MODULE(Qwen2RmsNorm);

// Split into project (q/k/v + rotary) and attend (attention + o_proj) so a KV
// cache can sit in between: append the new k/v to the cached ones, then attend
// with a [B, 1, T, S] bias from causal_attention_bias(key_mask, T, dtype), or
// with an undefined bias for a causal T == S batch without padding.
class Qwen2AttentionImpl : public torch::nn::Module {
 public:
  explicit Qwen2AttentionImpl(const TextConfig& c);
  struct Projected {
    torch::Tensor q;     // [B, heads, T, D], rotary applied
    torch::Tensor k, v;  // [B, kv_heads, T, D], rotary applied to k
  };
  Projected project(const torch::Tensor& x, const RotaryTables& rope);
  torch::Tensor attend(const Projected& p, const torch::Tensor& bias);  // -> [B, T, hidden]
  torch::Tensor forward(const torch::Tensor& x, const RotaryTables& rope, const torch::Tensor& bias) {
    return attend(project(x, rope), bias);
  }
  LoraLinear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};  // LoRA-capable (lora.h)

 private:
  int64_t heads_, kv_heads_, head_dim_;
};
TORCH_MODULE(Qwen2Attention);

class Qwen2MlpImpl : public torch::nn::Module {
 public:
  explicit Qwen2MlpImpl(const TextConfig& c);
  torch::Tensor forward(const torch::Tensor& x);  // down(silu(gate(x)) * up(x))
  LoraLinear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};  // LoRA-capable (lora.h)
};
TORCH_MODULE(Qwen2Mlp);

class Qwen2DecoderLayerImpl : public torch::nn::Module {
 public:
  explicit Qwen2DecoderLayerImpl(const TextConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const RotaryTables& rope, const torch::Tensor& bias);
  Qwen2Attention self_attn{nullptr};
  Qwen2Mlp mlp{nullptr};
  Qwen2RmsNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
};
TORCH_MODULE(Qwen2DecoderLayer);

// `layer` as a Qwen2 decoder layer (one made by Qwen2ModelImpl::new_layer), or a one-line error.
Qwen2DecoderLayerImpl& as_decoder_layer(torch::nn::Module& layer);

// "language_model.model".
class Qwen2ModelImpl : public torch::nn::Module {
 public:
  explicit Qwen2ModelImpl(const TextConfig& c);
  // inputs_embeds [B, T, H]; attention_mask [B, T] (1 = token, 0 = padding) or
  // undefined; position_ids [B, T] or M-RoPE's [3, B, T], or undefined for
  // positions that skip padding (position_ids_from_mask).
  DecoderOutput forward(const torch::Tensor& inputs_embeds, const torch::Tensor& attention_mask,
                        bool collect_layer_outputs = false, const torch::Tensor& position_ids = {});
  // Layers 0..cache.layers()-1 over the new positions `inputs_embeds` [B, T, H]
  // with their mask [B, T], reading and extending `cache` (position_ids as in
  // forward; undefined: the cache's). Returns the last layer run's output (before the final norm).
  torch::Tensor forward_cached(const torch::Tensor& inputs_embeds, const torch::Tensor& new_mask, KvCache& cache,
                               const torch::Tensor& position_ids = {});
  Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  std::vector<Qwen2DecoderLayer> layer_list;  // typed handles to `layers`
  Qwen2RmsNorm norm{nullptr};

  // Training only: each layer's activations are recomputed in the backward pass
  // instead of kept (layer_checkpoint.h), trading one more forward for memory.
  void set_gradient_checkpointing(bool on) { gradient_checkpointing_ = on; }
  bool gradient_checkpointing() const { return gradient_checkpointing_; }

  // Moves each layer to its range's device and the final norm to the last
  // range's (layer_placement.h); the loops then move their inputs per range.
  void place(const LayerPlacement& placement);
  // The final norm over `hidden` moved to the norm's device.
  torch::Tensor final_norm(const torch::Tensor& hidden) { return norm->forward(hidden.to(norm->weight.device())); }

  // A fresh layer shaped like this decoder's, and one run of `layer` over
  // hidden [B, T, H] with the rotary positions and mask forward() would use
  // for the same batch (sequence verbalizers, distill/verbalizer.h).
  Qwen2DecoderLayer new_layer() const { return Qwen2DecoderLayer(config_); }
  torch::Tensor run_layer(Qwen2DecoderLayerImpl& layer, const torch::Tensor& hidden, const torch::Tensor& attention_mask,
                          const torch::Tensor& position_ids = {}) const;

 private:
  struct LayerInputs {
    RotaryTables rope;
    torch::Tensor bias;  // undefined without padding (the fused causal kernel)
  };
  // What every layer reads for embeds [B, T, H]: checks the shapes, then the
  // rotary tables and the attention bias.
  LayerInputs layer_inputs(const torch::Tensor& inputs_embeds, const torch::Tensor& attention_mask,
                           const torch::Tensor& position_ids) const;
  // The ranges the loops run: the placement's, or one range of every layer on
  // `device` (the input's) when the model is not split.
  std::vector<LayerRange> ranges_on(const torch::Device& device) const;
  bool gradient_checkpointing_ = false;
  LayerPlacement placement_;
  RotaryTables rope(const torch::Tensor& position_ids, torch::ScalarType dtype) const;
  TextConfig config_;
};
TORCH_MODULE(Qwen2Model);

// "language_model": the decoder plus the output head.
class Qwen2ForCausalLMImpl : public torch::nn::Module {
 public:
  Qwen2ForCausalLMImpl(const TextConfig& c, bool tie_word_embeddings);
  bool tied() const { return !lm_head; }
  // The [V, H] output projection: lm_head.weight, or the embedding table when tied.
  const torch::Tensor& head_weight() const { return tied() ? model->embed_tokens->weight : lm_head->weight; }
  torch::Tensor logits(const torch::Tensor& normed_hidden) const { return torch::linear(normed_hidden, head_weight()); }
  Qwen2Model model{nullptr};
  LoraLinear lm_head{nullptr};  // null when tied (a plain linear, lora.h)
};
TORCH_MODULE(Qwen2ForCausalLM);

}  // namespace vlsi::model
