#include "vlsi/model/qwen2_5_vl/vision_transformer.h"

#include "vlsi/model/qwen2.h"
#include "vlsi/model/qwen2_5_vl/window_index.h"

namespace vlsi::model::qwen2_5_vl {
namespace nn = torch::nn;

namespace {

constexpr double kNormEps = 1e-6;

torch::Tensor long_tensor(const std::vector<int64_t>& v, torch::Device device) {
  return torch::tensor(v, torch::TensorOptions().dtype(torch::kLong)).to(device);
}

}  // namespace

VisionMlpImpl::VisionMlpImpl(const Qwen25VisionConfig& c) {
  gate_proj = register_module("gate_proj", nn::Linear(c.hidden_size, c.intermediate_size));
  up_proj = register_module("up_proj", nn::Linear(c.hidden_size, c.intermediate_size));
  down_proj = register_module("down_proj", nn::Linear(c.intermediate_size, c.hidden_size));
}

torch::Tensor VisionMlpImpl::forward(const torch::Tensor& x) {
  return down_proj->forward(torch::silu(gate_proj->forward(x)) * up_proj->forward(x));
}

namespace {

nn::AnyModule rms_norm_module(int64_t size) { return nn::AnyModule(Qwen2RmsNorm(size, kNormEps)); }

std::vector<qwen2_vl::VisionBlock> blocks_of(const Qwen25VisionConfig& c) {
  std::vector<qwen2_vl::VisionBlock> out;
  for (int64_t i = 0; i < c.depth; ++i)
    out.push_back(qwen2_vl::VisionBlock(rms_norm_module(c.hidden_size), rms_norm_module(c.hidden_size),
                                        qwen2_vl::VisionAttention(c.hidden_size, c.num_heads),
                                        nn::AnyModule(VisionMlp(c))));
  return out;
}

}  // namespace

VisionTransformerImpl::VisionTransformerImpl(const Qwen25VisionConfig& c)
    : VisionTowerImpl(c.in_channels, c.hidden_size, c.temporal_patch_size, c.patch_size, blocks_of(c),
                      qwen2_vl::PatchMerger(rms_norm_module(c.hidden_size), c.hidden_size, c.spatial_merge_size,
                                            c.out_hidden_size)),
      config_(c) {}

torch::Tensor VisionTransformerImpl::forward(const torch::Tensor& pixel_values,
                                             const std::vector<std::array<int64_t, 3>>& grids) {
  const auto& c = config_;
  const int64_t merge = c.spatial_merge_size, unit = merge * merge;
  torch::Tensor h = qwen2_vl::embed_patches(patch_embed, pixel_values);
  // Window order keeps each frame's patches together: full attention still runs frame by frame.
  const std::vector<int64_t> frames = qwen2_vl::frame_lengths(grids, merge, h.size(0));
  const WindowPartition windows = window_partition(grids, c.merged_window(), merge);
  const torch::Device device = h.device();
  torch::Tensor order = long_tensor(windows.merged_order, device);
  torch::Tensor patch_order = (order.unsqueeze(1) * unit + torch::arange(unit, order.options())).flatten();
  h = h.index_select(0, patch_order);
  torch::Tensor angles = qwen2_vl::vision_rotary_angles(grids, merge, c.head_dim(), device).index_select(0, patch_order);
  torch::Tensor cos = angles.cos(), sin = angles.sin();
  for (size_t i = 0; i < block_list.size(); ++i)
    h = block_list[i]->forward(h, cos, sin, c.full_attention(int64_t(i)) ? frames : windows.window_patches);
  // Back to the processor's order: merged token order[k] sits at row k.
  return merger->forward(h).index_select(0, torch::argsort(order));
}

}  // namespace vlsi::model::qwen2_5_vl
