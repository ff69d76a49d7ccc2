#pragma once
// LLaVA-OneVision-style vision-language model (HF LlavaOnevisionForConditionalGeneration,
// legacy checkpoint layout): "vision_tower" (SigLIP), "multi_modal_projector",
// "language_model" (Qwen2). No anyres tiling and no image_newline: each image is
// one image_size x image_size crop giving image_tokens_per_image() tokens, which
// replace, in order, the positions where input_ids == image_token_index.
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "vlsi/model/config.h"
#include "vlsi/model/projector.h"
#include "vlsi/model/qwen2.h"
#include "vlsi/model/siglip.h"

namespace vlsi::model {

// Parameter groups that training freezes or unfreezes separately.
enum class Part {
  Vision,      // vision_tower.*
  Projector,   // multi_modal_projector.*
  Lm,          // language_model.model.layers.* and language_model.model.norm.*
  Embeddings,  // language_model.model.embed_tokens.* (also the head when tied)
  Head,        // language_model.lm_head.* (empty when tied)
};
const std::vector<Part>& all_parts();
const char* part_name(Part p);  // "vision", "projector", "lm", "embeddings", "head"
Part part_from_name(const std::string& name);  // inverse of part_name; fails on unknown
Part part_of_parameter(const std::string& parameter_name);

struct ForwardOptions {
  bool output_layer_hidden_states = false;
  bool compute_logits = true;
};

struct VlmOutput {
  torch::Tensor logits;                            // [B, T, V]; undefined unless compute_logits
  std::vector<torch::Tensor> layer_hidden_states;  // output of decoder layer i (0-based), before final norm
  torch::Tensor last_hidden_state;                 // [B, T, H], after the final norm
};

class VlmForConditionalGenerationImpl : public torch::nn::Module {
 public:
  explicit VlmForConditionalGenerationImpl(const VlmConfig& config);

  // input_ids [B, T] int64; pixel_values [N, C, S, S] float or undefined (no
  // images); attention_mask [B, T] (1 = token, 0 = padding) or undefined.
  VlmOutput forward(const torch::Tensor& input_ids, const torch::Tensor& pixel_values,
                    const torch::Tensor& attention_mask, const ForwardOptions& options = {});

  // Projected image features [N, P, text hidden].
  torch::Tensor image_features(const torch::Tensor& pixel_values);
  // Token embeddings with image features scattered into the image-token slots.
  torch::Tensor input_embeddings(const torch::Tensor& input_ids, const torch::Tensor& pixel_values);
  // The pieces verbalizers apply to any intermediate hidden state.
  torch::Tensor final_norm(const torch::Tensor& hidden) { return language_model->model->norm->forward(hidden); }
  torch::Tensor lm_head(const torch::Tensor& normed) const { return language_model->logits(normed); }
  torch::Tensor logits_from_hidden(const torch::Tensor& hidden) { return lm_head(final_norm(hidden)); }
  const torch::Tensor& lm_head_weight() const { return language_model->head_weight(); }

  std::vector<std::pair<std::string, torch::Tensor>> named_parameters_of(Part part) const;
  std::vector<torch::Tensor> parameters_of(Part part) const;
  void set_trainable(Part part, bool trainable);
  int64_t parameter_count(Part part) const;
  int64_t parameter_count() const;

  const VlmConfig& config() const { return config_; }

  SiglipVisionModel vision_tower{nullptr};
  MultiModalProjector multi_modal_projector{nullptr};
  Qwen2ForCausalLM language_model{nullptr};

 private:
  VlmConfig config_;
};
TORCH_MODULE(VlmForConditionalGeneration);

}  // namespace vlsi::model
