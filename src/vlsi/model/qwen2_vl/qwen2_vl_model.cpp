#include "vlsi/model/qwen2_vl/qwen2_vl_model.h"

namespace vlsi::model::qwen2_vl {

namespace {

RopeIndexTokens rope_tokens(const VlmConfig& config) {
  RopeIndexTokens t;
  t.spatial_merge_size = config.qwen2_vision_config.spatial_merge_size;
  t.image_frame_stride = 1;  // an image's frames count in time, as videos' do
  return t;
}

}  // namespace

Qwen2VlForConditionalGenerationImpl::Qwen2VlForConditionalGenerationImpl(const VlmConfig& config)
    : MropeVlmImpl(config, rope_tokens(config)) {
  visual = register_module("visual", VisionTransformer(config_.qwen2_vision_config));
}

torch::Tensor Qwen2VlForConditionalGenerationImpl::vision_tokens(const torch::Tensor& pixel_values,
                                                                 const std::vector<std::array<int64_t, 3>>& grids) {
  return visual->forward(pixel_values, grids);
}

}  // namespace vlsi::model::qwen2_vl
