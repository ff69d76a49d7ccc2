#pragma once
// The seam between model families and everything else: a vision-language model
// that turns text ids plus images into one embedded sequence, runs a causal
// decoder over it (optionally with a KV cache) and projects hidden states to
// vocabulary logits. Distillation, training and inference see only this; each
// family (model/llava_onevision/, ...) implements it and registers itself in
// model/registry.h under its config.json model_type.
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "vlsi/model/config.h"
#include "vlsi/model/decoder_output.h"
#include "vlsi/model/kv_cache.h"
#include "vlsi/model/layer_placement.h"
#include "vlsi/model/vision_inputs.h"

namespace vlsi::model {

// Parameter groups that training freezes or unfreezes separately.
enum class Part {
  Vision,      // the vision encoder
  Projector,   // vision -> text projection (and, in LLaVA-OneVision, image_newline)
  Lm,          // decoder layers and the final norm
  Embeddings,  // token embeddings (also the head when tied)
  Head,        // the output head (empty when tied)
};
const std::vector<Part>& all_parts();
const char* part_name(Part p);  // "vision", "projector", "lm", "embeddings", "head"
Part part_from_name(const std::string& name);  // inverse of part_name; fails on unknown

struct ForwardOptions {
  bool output_layer_hidden_states = false;
  bool compute_logits = true;
};

struct VlmOutput {
  torch::Tensor logits;                            // [B, T, V]; undefined unless compute_logits
  std::vector<torch::Tensor> layer_hidden_states;  // output of decoder layer i (0-based), before final norm
  torch::Tensor last_hidden_state;                 // [B, T, H], after the final norm
};

class CausalVlmImpl : public torch::nn::Module {
 public:
  ~CausalVlmImpl() override = default;

  virtual const VlmConfig& config() const = 0;
  virtual int64_t num_layers() const = 0;
  virtual int64_t hidden_size() const = 0;
  virtual int64_t vocab_size() const = 0;

  // Token embeddings of ids [B, T] -> [B, T, H].
  virtual torch::Tensor embed_tokens(const torch::Tensor& ids) = 0;
  // Token embeddings with the images' features in the image-token slots.
  virtual torch::Tensor input_embeddings(const torch::Tensor& input_ids, const VisionInputs& images) = 0;
  // Rotary positions of a prompt when the family computes its own (Qwen2-VL's
  // M-RoPE: [3, B, T] from where the images sit); undefined for positions that
  // skip padding (the default).
  virtual torch::Tensor position_ids(const torch::Tensor& input_ids, const VisionInputs& images,
                                     const torch::Tensor& attention_mask) {
    return {};
  }
  // The decoder over embeds [B, T, H] with attention_mask [B, T] (1 = token) or
  // undefined, at position_ids (from position_ids(), or undefined).
  virtual DecoderOutput decode(const torch::Tensor& embeds, const torch::Tensor& attention_mask,
                               bool collect_layer_outputs, const torch::Tensor& position_ids = {}) = 0;
  // The first cache.layers() decoder layers over new positions, extending
  // `cache` (position_ids: a prompt's from position_ids(); later steps leave it undefined).
  virtual torch::Tensor decode_cached(const torch::Tensor& embeds, const torch::Tensor& new_mask, KvCache& cache,
                                      const torch::Tensor& position_ids = {}) = 0;
  // The pieces verbalizers apply to any intermediate hidden state.
  virtual torch::Tensor final_norm(const torch::Tensor& hidden) = 0;
  virtual const torch::Tensor& final_norm_weight() const = 0;
  virtual const torch::Tensor& lm_head_weight() const = 0;  // [V, H]; the embedding table when tied
  // Recompute each decoder layer's activations in the backward pass instead of
  // keeping them (training only; layer_checkpoint.h).
  virtual void set_gradient_checkpointing(bool on) = 0;
  // Which Part a parameter (by its full name) belongs to.
  virtual Part part_of_parameter(const std::string& parameter_name) const = 0;
  // Sequence verbalizers (distill/verbalizer.h, paper Table 4f's decoder-layer
  // verbalizer): a fresh decoder layer of this model's own kind and size (not
  // registered in the model; parameter names as one of its layers), and one run
  // of such a layer over hidden states [B, T, H] at the positions and mask of
  // the forward that made them (position_ids from position_ids(), or undefined).
  virtual std::shared_ptr<torch::nn::Module> new_decoder_layer() const = 0;
  virtual torch::Tensor run_decoder_layer(torch::nn::Module& layer, const torch::Tensor& hidden,
                                          const torch::Tensor& attention_mask, const torch::Tensor& position_ids) = 0;

  // The rows move to the head's device first (a split model's final norm and
  // head may sit apart); logits come back on the head's device.
  torch::Tensor lm_head(const torch::Tensor& normed) const {
    const torch::Tensor& w = lm_head_weight();
    return torch::linear(normed.to(w.device()), w);
  }
  torch::Tensor logits_from_hidden(const torch::Tensor& hidden) { return lm_head(final_norm(hidden)); }

  // input_ids [B, T] int64; images as the family's processor made them;
  // attention_mask [B, T] (1 = token, 0 = padding) or undefined.
  VlmOutput forward(const torch::Tensor& input_ids, const VisionInputs& images, const torch::Tensor& attention_mask,
                    const ForwardOptions& options = {});

  std::vector<std::pair<std::string, torch::Tensor>> named_parameters_of(Part part) const;
  std::vector<torch::Tensor> parameters_of(Part part) const;
  void set_trainable(Part part, bool trainable);
  int64_t parameter_count(Part part) const;
  int64_t parameter_count() const;

  // Splits the model over devices by decoder-layer ranges (layer_placement.h),
  // in place. Inputs then go to the first range's device (where the embeddings
  // and the vision tower sit). Outputs: layer_hidden_states[i] on layer i's
  // device; last_hidden_state (after the final norm) on the last range's; logits
  // on the head's (the last range's, the first's when the head is tied). Fails
  // unless the placement covers exactly this model's decoder layers.
  void place_layers(const LayerPlacement& placement);
  const LayerPlacement& layer_placement() const { return placement_; }

 protected:
  // The family's part of place_layers: everything is on the first device
  // already; move decoder layers, final norm and an untied head.
  virtual void place_decoder(const LayerPlacement& placement) = 0;

 private:
  LayerPlacement placement_;
};
TORCH_MODULE(CausalVlm);

}  // namespace vlsi::model
