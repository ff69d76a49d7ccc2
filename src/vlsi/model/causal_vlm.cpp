#include "vlsi/model/causal_vlm.h"

#include "vlsi/io/error.h"

namespace vlsi::model {

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

VlmOutput CausalVlmImpl::forward(const torch::Tensor& input_ids, const VisionInputs& images,
                                 const torch::Tensor& attention_mask, const ForwardOptions& options) {
  torch::Tensor embeds = input_embeddings(input_ids, images);
  DecoderOutput dec =
      decode(embeds, attention_mask, options.output_layer_hidden_states, position_ids(input_ids, images, attention_mask));
  VlmOutput out;
  out.last_hidden_state = final_norm(dec.last_hidden_state);
  if (options.compute_logits) out.logits = lm_head(out.last_hidden_state);
  out.layer_hidden_states = std::move(dec.layer_outputs);
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> CausalVlmImpl::named_parameters_of(Part part) const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : named_parameters(/*recurse=*/true))
    if (part_of_parameter(item.key()) == part) out.emplace_back(item.key(), item.value());
  return out;
}

std::vector<torch::Tensor> CausalVlmImpl::parameters_of(Part part) const {
  std::vector<torch::Tensor> out;
  for (auto& kv : named_parameters_of(part)) out.push_back(kv.second);
  return out;
}

void CausalVlmImpl::set_trainable(Part part, bool trainable) {
  for (auto& t : parameters_of(part)) t.set_requires_grad(trainable);
}

int64_t CausalVlmImpl::parameter_count(Part part) const {
  int64_t n = 0;
  for (auto& t : parameters_of(part)) n += t.numel();
  return n;
}

int64_t CausalVlmImpl::parameter_count() const {
  int64_t n = 0;
  for (auto& t : parameters()) n += t.numel();
  return n;
}

void CausalVlmImpl::place_layers(const LayerPlacement& placement) {
  check(!placement.empty(), "place_layers: the placement holds no layer range");
  check(placement.num_layers() == num_layers(), "place_layers: a placement of ", placement.num_layers(),
        " decoder layers for a model of ", num_layers());
  to(placement.first_device());
  place_decoder(placement);
  placement_ = placement;
}

}  // namespace vlsi::model
