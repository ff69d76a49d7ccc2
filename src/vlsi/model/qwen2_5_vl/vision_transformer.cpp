#include "vlsi/model/qwen2_5_vl/vision_transformer.h"

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

VisionBlockImpl::VisionBlockImpl(const Qwen25VisionConfig& c) {
  norm1 = register_module("norm1", Qwen2RmsNorm(c.hidden_size, kNormEps));
  norm2 = register_module("norm2", Qwen2RmsNorm(c.hidden_size, kNormEps));
  attn = register_module("attn", qwen2_vl::VisionAttention(c.hidden_size, c.num_heads));
  mlp = register_module("mlp", VisionMlp(c));
}

torch::Tensor VisionBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                       const std::vector<int64_t>& lengths) {
  auto h = x + attn->forward(norm1->forward(x), cos, sin, lengths);
  return h + mlp->forward(norm2->forward(h));
}

PatchMergerImpl::PatchMergerImpl(const Qwen25VisionConfig& c)
    : merged_(c.hidden_size * c.spatial_merge_size * c.spatial_merge_size) {
  ln_q = register_module("ln_q", Qwen2RmsNorm(c.hidden_size, kNormEps));
  auto mlp = register_module("mlp", std::make_shared<nn::Module>());
  fc1 = mlp->register_module("0", nn::Linear(merged_, merged_));
  fc2 = mlp->register_module("2", nn::Linear(merged_, c.out_hidden_size));
}

torch::Tensor PatchMergerImpl::forward(const torch::Tensor& x) {
  auto h = ln_q->forward(x).reshape({-1, merged_});
  return fc2->forward(torch::gelu(fc1->forward(h)));
}

VisionTransformerImpl::VisionTransformerImpl(const Qwen25VisionConfig& c) : config_(c) {
  patch_embed = qwen2_vl::register_patch_embed(*this, c.in_channels, c.hidden_size, c.temporal_patch_size,
                                               c.patch_size);
  blocks = register_module("blocks", nn::ModuleList());
  for (int64_t i = 0; i < c.depth; ++i) {
    block_list.push_back(VisionBlock(c));
    blocks->push_back(block_list.back());
  }
  merger = register_module("merger", PatchMerger(c));
}

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
