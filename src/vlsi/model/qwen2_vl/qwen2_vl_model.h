#pragma once
// Qwen2-VL as transformers 4.57 runs it (Qwen2VLForConditionalGeneration,
// saved in the legacy layout): "visual" (model/qwen2_vl/vision_transformer.h),
// "model" (the Qwen2 decoder with M-RoPE) and "lm_head". Each image's merged
// tokens replace, in order, the positions where input_ids == image_token_id;
// the decoder's rotary positions come from where the images sit
// (model/qwen2_vl/rope_index.h).
#include <torch/torch.h>

#include "vlsi/model/qwen2_text/qwen2_causal_lm.h"
#include "vlsi/model/qwen2_vl/vision_transformer.h"

namespace vlsi::model::qwen2_vl {

class Qwen2VlForConditionalGenerationImpl : public qwen2::Qwen2CausalLmImpl {
 public:
  explicit Qwen2VlForConditionalGenerationImpl(const VlmConfig& config);

  torch::Tensor input_embeddings(const torch::Tensor& input_ids, const VisionInputs& images) override;
  torch::Tensor position_ids(const torch::Tensor& input_ids, const VisionInputs& images,
                             const torch::Tensor& attention_mask) override;
  Part part_of_parameter(const std::string& parameter_name) const override;

  // Every image's merged tokens, concatenated [tokens, text hidden].
  torch::Tensor image_features(const VisionInputs& images);

  VisionTransformer visual{nullptr};
};
TORCH_MODULE(Qwen2VlForConditionalGeneration);

}  // namespace vlsi::model::qwen2_vl
