#pragma once
// What Qwen2-VL and Qwen2.5-VL build alike on the Qwen2 decoder ("model",
// "lm_head"): each image's merged tokens replace, in order, the positions where
// input_ids == image_token_id, and the decoder's M-RoPE positions come from
// where the images sit (model/qwen2_vl/rope_index.h). Each family registers
// its own vision tower as "visual" and runs it in vision_tokens.
#include <torch/torch.h>

#include <array>
#include <vector>

#include "vlsi/model/qwen2_text/qwen2_causal_lm.h"
#include "vlsi/model/qwen2_vl/rope_index.h"

namespace vlsi::model::qwen2_vl {

class MropeVlmImpl : public qwen2::Qwen2CausalLmImpl {
 public:
  // rope: the vision-start and image tokens are taken from `config`.
  MropeVlmImpl(const VlmConfig& config, RopeIndexTokens rope);

  torch::Tensor input_embeddings(const torch::Tensor& input_ids, const VisionInputs& images) override;
  torch::Tensor position_ids(const torch::Tensor& input_ids, const VisionInputs& images,
                             const torch::Tensor& attention_mask) override;
  // visual.merger.* is the projector, the rest of visual.* the vision encoder.
  Part part_of_parameter(const std::string& parameter_name) const override;

  // Every image's merged tokens, concatenated [tokens, text hidden].
  torch::Tensor image_features(const VisionInputs& images);

 protected:
  // The vision tower over pixel_values [patches, C * T * P * P] of images of patch grids (t, h, w).
  virtual torch::Tensor vision_tokens(const torch::Tensor& pixel_values,
                                      const std::vector<std::array<int64_t, 3>>& grids) = 0;

 private:
  RopeIndexTokens rope_;
};

}  // namespace vlsi::model::qwen2_vl
