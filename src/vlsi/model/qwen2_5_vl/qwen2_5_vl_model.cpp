#include "vlsi/model/qwen2_5_vl/qwen2_5_vl_model.h"

namespace vlsi::model::qwen2_5_vl {

namespace {

qwen2_vl::RopeIndexTokens rope_tokens(const VlmConfig& config) {
  qwen2_vl::RopeIndexTokens t;
  t.spatial_merge_size = config.qwen2_5_vision_config.spatial_merge_size;
  // get_rope_index times an image's frames at 0 seconds per grid step: all at one temporal position.
  t.image_frame_stride = 0;
  return t;
}

}  // namespace

Qwen25VlForConditionalGenerationImpl::Qwen25VlForConditionalGenerationImpl(const VlmConfig& config)
    : MropeVlmImpl(config, rope_tokens(config)) {
  visual = register_module("visual", VisionTransformer(config_.qwen2_5_vision_config));
}

torch::Tensor Qwen25VlForConditionalGenerationImpl::vision_tokens(const torch::Tensor& pixel_values,
                                                                  const std::vector<std::array<int64_t, 3>>& grids) {
  return visual->forward(pixel_values, grids);
}

}  // namespace vlsi::model::qwen2_5_vl
