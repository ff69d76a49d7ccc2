#include "vlsi/model/vlm.h"

#include "vlsi/io/error.h"
#include "vlsi/io/string_util.h"

namespace vlsi::model {
namespace {

using io::starts_with;

}  // namespace

const std::vector<Part>& all_parts() {
  static const std::vector<Part> parts = {Part::Vision, Part::Projector, Part::Lm, Part::Embeddings, Part::Head};
  return parts;
}

const char* part_name(Part p) {
  switch (p) {
    case Part::Vision: return "vision";
    case Part::Projector: return "projector";
    case Part::Lm: return "lm";
    case Part::Embeddings: return "embeddings";
    case Part::Head: return "head";
  }
  return "?";
}

Part part_from_name(const std::string& name) {
  for (Part p : all_parts())
    if (name == part_name(p)) return p;
  fail("unknown model part '", name, "' (expected vision, projector, lm, embeddings or head)");
}

Part part_of_parameter(const std::string& n) {
  if (starts_with(n, "vision_tower.")) return Part::Vision;
  if (starts_with(n, "multi_modal_projector.")) return Part::Projector;
  if (starts_with(n, "language_model.model.embed_tokens.")) return Part::Embeddings;
  if (starts_with(n, "language_model.model.layers.") || starts_with(n, "language_model.model.norm.")) return Part::Lm;
  if (starts_with(n, "language_model.lm_head.")) return Part::Head;
  fail("parameter '", n, "' belongs to no model part");
}

VlmForConditionalGenerationImpl::VlmForConditionalGenerationImpl(const VlmConfig& config) : config_(config) {
  config_.validate("model config");
  vision_tower = register_module("vision_tower", SiglipVisionModel(config_.vision_config));
  multi_modal_projector = register_module("multi_modal_projector", MultiModalProjector(config_));
  language_model = register_module("language_model", Qwen2ForCausalLM(config_.text_config, config_.tie_word_embeddings));
}

torch::Tensor VlmForConditionalGenerationImpl::image_features(const torch::Tensor& pixel_values) {
  // Only the layers up to the selected hidden state run; later ones cannot
  // influence it, so skipping them changes nothing but the cost.
  auto h = vision_tower->hidden_state(pixel_values, config_.vision_feature_layer_index());
  if (config_.vision_feature_select_strategy == "default") h = h.slice(1, 1);
  return multi_modal_projector->forward(h);
}

torch::Tensor VlmForConditionalGenerationImpl::input_embeddings(const torch::Tensor& input_ids,
                                                                const torch::Tensor& pixel_values) {
  check(input_ids.defined() && input_ids.dim() == 2 && input_ids.scalar_type() == torch::kLong,
        "model input: input_ids must be an int64 [B, T] tensor");
  const int64_t vocab = config_.text_config.vocab_size;
  if (input_ids.numel() > 0) {
    int64_t lo = input_ids.min().item<int64_t>(), hi = input_ids.max().item<int64_t>();
    check(lo >= 0 && hi < vocab, "model input: token ids range over [", lo, ", ", hi, "], outside the vocabulary [0, ",
          vocab, ")");
  }
  torch::Tensor embeds = language_model->model->embed_tokens->forward(input_ids);
  torch::Tensor image_slots = input_ids == config_.image_token_index;
  const int64_t slots = image_slots.sum().item<int64_t>();
  const int64_t images = pixel_values.defined() ? pixel_values.size(0) : 0;
  const int64_t per_image = config_.image_tokens_per_image();
  check(slots == images * per_image, "model input: input_ids hold ", slots, " image tokens (id ",
        config_.image_token_index, ") but ", images, " image(s) x ", per_image, " tokens per image need ",
        images * per_image);
  if (images == 0) return embeds;
  torch::Tensor features = image_features(pixel_values).to(embeds.scalar_type());
  // Row-major order over [B, T]: image n fills the n-th run of P slots (HF's masked_scatter).
  return embeds.masked_scatter(image_slots.unsqueeze(-1), features.reshape({images * per_image, -1}));
}

VlmOutput VlmForConditionalGenerationImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& pixel_values,
                                                   const torch::Tensor& attention_mask, const ForwardOptions& options) {
  torch::Tensor embeds = input_embeddings(input_ids, pixel_values);
  DecoderOutput dec = language_model->model->forward(embeds, attention_mask, options.output_layer_hidden_states);
  VlmOutput out;
  out.last_hidden_state = final_norm(dec.last_hidden_state);
  if (options.compute_logits) out.logits = lm_head(out.last_hidden_state);
  out.layer_hidden_states = std::move(dec.layer_outputs);
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> VlmForConditionalGenerationImpl::named_parameters_of(Part part) const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : named_parameters(/*recurse=*/true))
    if (part_of_parameter(item.key()) == part) out.emplace_back(item.key(), item.value());
  return out;
}

std::vector<torch::Tensor> VlmForConditionalGenerationImpl::parameters_of(Part part) const {
  std::vector<torch::Tensor> out;
  for (auto& kv : named_parameters_of(part)) out.push_back(kv.second);
  return out;
}

void VlmForConditionalGenerationImpl::set_trainable(Part part, bool trainable) {
  for (auto& t : parameters_of(part)) t.set_requires_grad(trainable);
}

int64_t VlmForConditionalGenerationImpl::parameter_count(Part part) const {
  int64_t n = 0;
  for (auto& t : parameters_of(part)) n += t.numel();
  return n;
}

int64_t VlmForConditionalGenerationImpl::parameter_count() const {
  int64_t n = 0;
  for (auto& t : parameters()) n += t.numel();
  return n;
}

}  // namespace vlsi::model
