#include "vlsi/model/qwen2_text/qwen2_causal_lm.h"

#include "vlsi/io/error.h"
#include "vlsi/io/string_util.h"
#include "vlsi/model/image_slots.h"

namespace vlsi::model::qwen2 {

using io::starts_with;

Qwen2CausalLmImpl::Qwen2CausalLmImpl(const VlmConfig& config) : config_(config) {
  config_.validate("model config");
  lm_ = Qwen2ForCausalLM(config_.text_config, config_.tie_word_embeddings);
  model = register_module("model", lm_->model);
  if (lm_->lm_head) lm_head = register_module("lm_head", lm_->lm_head);
}

Part Qwen2CausalLmImpl::part_of_parameter(const std::string& n) const {
  if (starts_with(n, "model.embed_tokens.")) return Part::Embeddings;
  if (starts_with(n, "model.layers.") || starts_with(n, "model.norm.")) return Part::Lm;
  if (starts_with(n, "lm_head.")) return Part::Head;
  fail("parameter '", n, "' belongs to no model part");
}

torch::Tensor Qwen2CausalLmImpl::text_embeddings(const torch::Tensor& input_ids) {
  check_input_ids(input_ids, config_.text_config.vocab_size);
  return embed_tokens(input_ids);
}

torch::Tensor Qwen2CausalLmImpl::input_embeddings(const torch::Tensor& input_ids, const VisionInputs& images) {
  check(images.empty(), "model input: ", images.num_images(), " image(s) given to a text-only model (model_type '",
        config_.model_type, "')");
  return text_embeddings(input_ids);
}

DecoderOutput Qwen2CausalLmImpl::decode(const torch::Tensor& embeds, const torch::Tensor& attention_mask,
                                        bool collect_layer_outputs, const torch::Tensor& position_ids) {
  return model->forward(embeds, attention_mask, collect_layer_outputs, position_ids);
}

torch::Tensor Qwen2CausalLmImpl::decode_cached(const torch::Tensor& embeds, const torch::Tensor& new_mask,
                                               KvCache& cache, const torch::Tensor& position_ids) {
  return model->forward_cached(embeds, new_mask, cache, position_ids);
}

void Qwen2CausalLmImpl::place_decoder(const LayerPlacement& placement) {
  model->place(placement);
  if (lm_head) lm_head->to(placement.last_device());
}

}  // namespace vlsi::model::qwen2
