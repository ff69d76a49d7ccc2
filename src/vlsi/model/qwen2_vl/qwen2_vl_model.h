#pragma once
// Qwen2-VL as transformers 4.57 runs it (Qwen2VLForConditionalGeneration,
// saved in the legacy layout): "visual" (model/qwen2_vl/vision_transformer.h),
// "model" (the Qwen2 decoder with M-RoPE) and "lm_head"; images and positions
// as model/qwen2_vl/mrope_vlm.h places them.
#include <torch/torch.h>

#include "vlsi/model/qwen2_vl/mrope_vlm.h"
#include "vlsi/model/qwen2_vl/vision_transformer.h"

namespace vlsi::model::qwen2_vl {

class Qwen2VlForConditionalGenerationImpl : public MropeVlmImpl {
 public:
  explicit Qwen2VlForConditionalGenerationImpl(const VlmConfig& config);

  VisionTransformer visual{nullptr};

 protected:
  torch::Tensor vision_tokens(const torch::Tensor& pixel_values,
                              const std::vector<std::array<int64_t, 3>>& grids) override;
};
TORCH_MODULE(Qwen2VlForConditionalGeneration);

}  // namespace vlsi::model::qwen2_vl
