#pragma once
// Qwen2.5-VL's vision transformer as transformers 4.57 runs it
// (Qwen2_5_VisionTransformerPretrainedModel, registered as "visual"): the
// Conv3d patch embedding and 2-D rotary of Qwen2-VL (model/qwen2_vl/
// vision_transformer.h), `depth` pre-norm blocks (norm1/norm2 RMSNorms, eps
// 1e-6; attn.qkv and attn.proj with bias; mlp.gate_proj/up_proj/down_proj with
// bias, SwiGLU) that attend within windows (model/qwen2_5_vl/window_index.h)
// except the fullatt_block_indexes blocks, which attend over each image, and a
// PatchMerger (merger.ln_q RMSNorm, merger.mlp.0 -> GELU -> merger.mlp.2) to
// the decoder's width. The blocks and the merger run in window order; the
// merged tokens come back in the processor's order.
#include <torch/torch.h>

#include <array>
#include <vector>

#include "vlsi/model/config.h"
#include "vlsi/model/qwen2_vl/vision_transformer.h"

namespace vlsi::model::qwen2_5_vl {

class VisionMlpImpl : public torch::nn::Module {
 public:
  explicit VisionMlpImpl(const Qwen25VisionConfig& c);
  torch::Tensor forward(const torch::Tensor& x);  // down_proj(silu(gate_proj(x)) * up_proj(x))
  torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(VisionMlp);

class VisionTransformerImpl : public qwen2_vl::VisionTowerImpl {
 public:
  explicit VisionTransformerImpl(const Qwen25VisionConfig& c);
  // pixel_values [patches, C * T * P * P]; grids: each image's (t, h, w) patches.
  // Returns the merged tokens of every image, in order [patches / merge^2, out_hidden_size].
  torch::Tensor forward(const torch::Tensor& pixel_values, const std::vector<std::array<int64_t, 3>>& grids);

 private:
  Qwen25VisionConfig config_;
};
TORCH_MODULE(VisionTransformer);

}  // namespace vlsi::model::qwen2_5_vl
