#pragma once
// Qwen2.5-VL as transformers 4.57 runs it (Qwen2_5_VLForConditionalGeneration,
// saved in the legacy layout): "visual" (model/qwen2_5_vl/vision_transformer.h),
// "model" (the Qwen2 decoder with M-RoPE, as Qwen2-VL's) and "lm_head"; images
// and positions placed as Qwen2-VL places them (model/qwen2_vl/mrope_vlm.h),
// but for images' temporal positions, which do not advance (0 seconds a frame).
#include <torch/torch.h>

#include "vlsi/model/qwen2_5_vl/vision_transformer.h"
#include "vlsi/model/qwen2_vl/mrope_vlm.h"

namespace vlsi::model::qwen2_5_vl {

class Qwen25VlForConditionalGenerationImpl : public qwen2_vl::MropeVlmImpl {
 public:
  explicit Qwen25VlForConditionalGenerationImpl(const VlmConfig& config);

  VisionTransformer visual{nullptr};

 protected:
  torch::Tensor vision_tokens(const torch::Tensor& pixel_values,
                              const std::vector<std::array<int64_t, 3>>& grids) override;
};
TORCH_MODULE(Qwen25VlForConditionalGeneration);

}  // namespace vlsi::model::qwen2_5_vl
