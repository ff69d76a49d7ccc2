#include "vlsi/model/qwen2.h"

#include "vlsi/io/error.h"
#include "vlsi/model/fused_linear.h"
#include "vlsi/model/fused_ops.h"
#include "vlsi/model/layer_checkpoint.h"

namespace vlsi::model {
namespace nn = torch::nn;
namespace {

RotaryTables moved(const RotaryTables& rope, const torch::Device& device) {
  return {rope.cos.to(device), rope.sin.to(device)};
}

}  // namespace

Qwen2RmsNormImpl::Qwen2RmsNormImpl(int64_t size, double eps) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({size}));
}

torch::Tensor Qwen2RmsNormImpl::forward(const torch::Tensor& x) {
  return rms_norm(x, weight, eps_);
}

Qwen2AttentionImpl::Qwen2AttentionImpl(const TextConfig& c)
    : heads_(c.num_attention_heads), kv_heads_(c.num_key_value_heads), head_dim_(c.head_dim()) {
  const int64_t H = c.hidden_size;
  q_proj = register_module("q_proj", LoraLinear(H, heads_ * head_dim_, /*bias=*/true));
  k_proj = register_module("k_proj", LoraLinear(H, kv_heads_ * head_dim_, /*bias=*/true));
  v_proj = register_module("v_proj", LoraLinear(H, kv_heads_ * head_dim_, /*bias=*/true));
  o_proj = register_module("o_proj", LoraLinear(heads_ * head_dim_, H, /*bias=*/false));
}

Qwen2AttentionImpl::Projected Qwen2AttentionImpl::project(const torch::Tensor& x, const RotaryTables& rope) {
  const int64_t B = x.size(0), T = x.size(1);
  auto heads = [&](const torch::Tensor& t, int64_t n) { return t.view({B, T, n, head_dim_}).transpose(1, 2); };
  auto qkv = fused_linear(x, {q_proj, k_proj, v_proj});
  return {apply_rotary(heads(qkv[0], heads_), rope), apply_rotary(heads(qkv[1], kv_heads_), rope),
          heads(qkv[2], kv_heads_)};
}

torch::Tensor Qwen2AttentionImpl::attend(const Projected& p, const torch::Tensor& bias) {
  // No bias: a plain causal batch without padding (Qwen2ModelImpl::forward).
  auto out = model::scaled_dot_product_attention(p.q, p.k, p.v, bias, /*is_causal=*/!bias.defined());  // [B, heads, T, D]
  const int64_t B = out.size(0), T = out.size(2);
  return o_proj->forward(out.transpose(1, 2).reshape({B, T, heads_ * head_dim_}));
}

Qwen2MlpImpl::Qwen2MlpImpl(const TextConfig& c) {
  gate_proj = register_module("gate_proj", LoraLinear(c.hidden_size, c.intermediate_size, /*bias=*/false));
  up_proj = register_module("up_proj", LoraLinear(c.hidden_size, c.intermediate_size, /*bias=*/false));
  down_proj = register_module("down_proj", LoraLinear(c.intermediate_size, c.hidden_size, /*bias=*/false));
}

torch::Tensor Qwen2MlpImpl::forward(const torch::Tensor& x) {
  if (joins_products(x)) return down_proj->forward(swiglu(fused_linear_joined(x, {gate_proj, up_proj})));
  return down_proj->forward(torch::silu(gate_proj->forward(x)) * up_proj->forward(x));
}

Qwen2DecoderLayerImpl::Qwen2DecoderLayerImpl(const TextConfig& c) {
  self_attn = register_module("self_attn", Qwen2Attention(c));
  mlp = register_module("mlp", Qwen2Mlp(c));
  input_layernorm = register_module("input_layernorm", Qwen2RmsNorm(c.hidden_size, c.rms_norm_eps));
  post_attention_layernorm = register_module("post_attention_layernorm", Qwen2RmsNorm(c.hidden_size, c.rms_norm_eps));
}

torch::Tensor Qwen2DecoderLayerImpl::forward(const torch::Tensor& x, const RotaryTables& rope, const torch::Tensor& bias) {
  auto h = x + self_attn->forward(input_layernorm->forward(x), rope, bias);
  return h + mlp->forward(post_attention_layernorm->forward(h));
}

Qwen2DecoderLayerImpl& as_decoder_layer(torch::nn::Module& layer) {
  auto* decoder_layer = dynamic_cast<Qwen2DecoderLayerImpl*>(&layer);
  check(decoder_layer != nullptr, "decoder: '", layer.name(), "' is not a Qwen2 decoder layer");
  return *decoder_layer;
}

Qwen2ModelImpl::Qwen2ModelImpl(const TextConfig& c) : config_(c) {
  embed_tokens = register_module("embed_tokens", Embedding(c.vocab_size, c.hidden_size));
  layers = register_module("layers", nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    layer_list.push_back(Qwen2DecoderLayer(c));
    layers->push_back(layer_list.back());
  }
  norm = register_module("norm", Qwen2RmsNorm(c.hidden_size, c.rms_norm_eps));
}

RotaryTables Qwen2ModelImpl::rope(const torch::Tensor& position_ids, torch::ScalarType dtype) const {
  if (config_.mrope_section.empty()) {
    check(position_ids.dim() == 2, "decoder: position_ids must be [B, T] (this model has no M-RoPE), got ",
          position_ids.sizes());
    return rotary_tables(position_ids, config_.head_dim(), config_.rope_theta, dtype);
  }
  return multimodal_rotary_tables(position_ids, config_.head_dim(), config_.rope_theta, dtype, config_.mrope_section);
}

Qwen2ModelImpl::LayerInputs Qwen2ModelImpl::layer_inputs(const torch::Tensor& inputs_embeds,
                                                           const torch::Tensor& attention_mask,
                                                           const torch::Tensor& position_ids) const {
  check(inputs_embeds.dim() == 3 && inputs_embeds.size(2) == config_.hidden_size, "decoder: inputs_embeds must be [B, T, ",
        config_.hidden_size, "], got ", inputs_embeds.sizes());
  const int64_t B = inputs_embeds.size(0), T = inputs_embeds.size(1);
  torch::Tensor mask = attention_mask.defined()
                           ? attention_mask
                           : torch::ones({B, T}, torch::TensorOptions().dtype(torch::kLong).device(inputs_embeds.device()));
  check(mask.dim() == 2 && mask.size(0) == B && mask.size(1) == T, "decoder: attention_mask must be [", B, ", ", T,
        "], got ", mask.sizes());
  // Rotary tables: positions that skip padding unless the model gives its own.
  if (position_ids.defined())
    check(position_ids.size(-1) == T && position_ids.size(-2) == B, "decoder: position_ids must end in [", B, ", ", T,
          "], got ", position_ids.sizes());
  LayerInputs in;
  in.rope = rope(position_ids.defined() ? position_ids.to(mask.device()) : position_ids_from_mask(mask),
                 inputs_embeds.scalar_type());
  // Without padding the causal pattern is all there is: leave it to the fused
  // kernel (no [B, 1, T, T] mask, as transformers' sdpa path).
  const bool padded = !mask.to(torch::kBool).all().item<bool>();
  if (padded) in.bias = causal_attention_bias(mask, T, inputs_embeds.scalar_type());
  return in;
}

torch::Tensor Qwen2ModelImpl::run_layer(Qwen2DecoderLayerImpl& layer, const torch::Tensor& hidden,
                                        const torch::Tensor& attention_mask, const torch::Tensor& position_ids) const {
  const auto device = layer.input_layernorm->weight.device();
  auto h = hidden.to(device);
  auto in = layer_inputs(h, attention_mask.defined() ? attention_mask.to(device) : attention_mask,
                         position_ids.defined() ? position_ids.to(device) : position_ids);
  return layer.forward(h, in.rope, in.bias);
}

DecoderOutput Qwen2ModelImpl::forward(const torch::Tensor& inputs_embeds, const torch::Tensor& attention_mask,
                                      bool collect_layer_outputs, const torch::Tensor& position_ids) {
  LayerInputs in = layer_inputs(inputs_embeds, attention_mask, position_ids);
  RotaryTables rope = in.rope;
  torch::Tensor bias = in.bias;
  DecoderOutput out;
  if (collect_layer_outputs) out.layer_outputs.reserve(layer_list.size());
  torch::Tensor h = inputs_embeds;
  const bool checkpoint = gradient_checkpointing_ && is_training() && torch::GradMode::is_enabled();
  for (const LayerRange& range : ranges_on(h.device())) {
    // Entering a range: what every layer reads follows it to its device (no-ops when it is already there).
    h = h.to(range.device);
    rope = moved(rope, range.device);
    if (bias.defined()) bias = bias.to(range.device);
    for (int64_t i = range.first; i <= range.last; ++i) {
      auto& layer = layer_list[size_t(i)];
      h = checkpoint ? checkpointed([l = layer.ptr(), rope, bias](const torch::Tensor& x) { return l->forward(x, rope, bias); },
                                    h)
                     : layer->forward(h, rope, bias);
      if (collect_layer_outputs) out.layer_outputs.push_back(h);
    }
  }
  out.last_hidden_state = h;
  return out;
}

torch::Tensor Qwen2ModelImpl::forward_cached(const torch::Tensor& inputs_embeds, const torch::Tensor& new_mask,
                                            KvCache& cache, const torch::Tensor& position_ids) {
  check(cache.layers() <= int64_t(layer_list.size()), "kv cache: ", cache.layers(), " layers but the decoder has ",
        layer_list.size());
  const int64_t T = inputs_embeds.size(1);
  torch::Tensor positions = cache.begin_step(new_mask.to(inputs_embeds.device()), position_ids);
  RotaryTables rope = this->rope(positions.to(inputs_embeds.device()), inputs_embeds.scalar_type());
  torch::Tensor bias = causal_attention_bias(cache.key_mask(), T, inputs_embeds.scalar_type());
  torch::Tensor h = inputs_embeds;
  for (const LayerRange& range : ranges_on(h.device())) {
    if (range.first >= cache.layers()) break;  // an early exit stops before this range
    h = h.to(range.device);
    rope = moved(rope, range.device);
    bias = bias.to(range.device);
    // Qwen2DecoderLayerImpl::forward with the cache between project and attend;
    // each layer's keys and values are stored on its own device.
    for (int64_t l = range.first; l <= range.last && l < cache.layers(); ++l) {
      auto& layer = layer_list[size_t(l)];
      auto p = layer->self_attn->project(layer->input_layernorm->forward(h), rope);
      std::tie(p.k, p.v) = cache.append(l, p.k, p.v);
      h = h + layer->self_attn->attend(p, bias);
      h = h + layer->mlp->forward(layer->post_attention_layernorm->forward(h));
    }
  }
  cache.end_step();
  return h;
}

void Qwen2ModelImpl::place(const LayerPlacement& placement) {
  check(placement.num_layers() == int64_t(layer_list.size()), "decoder: a placement of ", placement.num_layers(),
        " layers for a decoder of ", layer_list.size());
  for (const LayerRange& range : placement.ranges())
    for (int64_t i = range.first; i <= range.last; ++i) layer_list[size_t(i)]->to(range.device);
  norm->to(placement.last_device());
  placement_ = placement;
}

std::vector<LayerRange> Qwen2ModelImpl::ranges_on(const torch::Device& device) const {
  if (!placement_.empty()) return placement_.ranges();
  return {LayerRange{0, int64_t(layer_list.size()) - 1, device}};
}

Qwen2ForCausalLMImpl::Qwen2ForCausalLMImpl(const TextConfig& c, bool tie_word_embeddings) {
  model = register_module("model", Qwen2Model(c));
  if (!tie_word_embeddings)
    lm_head = register_module("lm_head", LoraLinear(c.hidden_size, c.vocab_size, /*bias=*/false));
}

}  // namespace vlsi::model
