#include "vlsi/model/qwen2_vl/vision_transformer.h"

#include "vlsi/io/error.h"
#include "vlsi/model/attention.h"

namespace vlsi::model::qwen2_vl {
namespace nn = torch::nn;

namespace {

nn::LayerNorm layer_norm(int64_t size) { return nn::LayerNorm(nn::LayerNormOptions({size}).eps(1e-6)); }

}  // namespace

nn::Conv3d register_patch_embed(nn::Module& owner, int64_t in_channels, int64_t dim, int64_t temporal_patch_size,
                                int64_t patch_size) {
  auto patch = owner.register_module("patch_embed", std::make_shared<nn::Module>());
  const std::vector<int64_t> kernel = {temporal_patch_size, patch_size, patch_size};
  return patch->register_module("proj",
                                nn::Conv3d(nn::Conv3dOptions(in_channels, dim, kernel).stride(kernel).bias(false)));
}

torch::Tensor embed_patches(const nn::Conv3d& patch_embed, const torch::Tensor& pixel_values) {
  const auto& weight = patch_embed->weight;
  const int64_t values = weight[0].numel();
  check(pixel_values.dim() == 2 && pixel_values.size(1) == values, "vision: pixel_values must be [patches, ", values,
        "], got ", pixel_values.sizes());
  // The Conv3d with stride = kernel is one product per patch.
  return torch::linear(pixel_values.to(weight.scalar_type()), weight.flatten(1));
}

std::vector<int64_t> frame_lengths(const std::vector<std::array<int64_t, 3>>& grids, int64_t merge, int64_t rows) {
  std::vector<int64_t> lengths;
  int64_t total = 0;
  for (const auto& [t, h, w] : grids) {
    check(t > 0 && h > 0 && w > 0 && h % merge == 0 && w % merge == 0, "vision: patch grid (", t, ", ", h, ", ", w,
          ") must be positive with h and w multiples of ", merge);
    for (int64_t frame = 0; frame < t; ++frame) lengths.push_back(h * w);
    total += t * h * w;
  }
  check(total == rows, "vision: the patch grids hold ", total, " patches, pixel_values ", rows);
  return lengths;
}

torch::Tensor vision_rotary_angles(const std::vector<std::array<int64_t, 3>>& grids, int64_t m, int64_t head_dim,
                                   torch::Device device) {
  std::vector<int64_t> rows, cols;
  int64_t largest = 0;
  for (const auto& [t, h, w] : grids) {
    largest = std::max({largest, h, w});
    for (int64_t frame = 0; frame < t; ++frame)
      for (int64_t br = 0; br < h / m; ++br)
        for (int64_t bc = 0; bc < w / m; ++bc)
          for (int64_t r = 0; r < m; ++r)
            for (int64_t col = 0; col < m; ++col) {
              rows.push_back(br * m + r);
              cols.push_back(bc * m + col);
            }
  }
  // Half of each head turns by the row, half by the column: head_dim / 4 frequencies each.
  const int64_t dim = head_dim / 2;
  auto f32 = torch::TensorOptions().dtype(torch::kFloat).device(device);
  auto exponent = torch::arange(0, dim, 2, f32.dtype(torch::kLong)).to(torch::kFloat) / double(dim);
  auto inv_freq = torch::pow(torch::full({}, 10000.0, f32), exponent).reciprocal();
  auto table = torch::arange(largest, f32).unsqueeze(1) * inv_freq.unsqueeze(0);  // [largest, dim / 2]
  auto index = [&](const std::vector<int64_t>& v) {
    return torch::tensor(v, torch::TensorOptions().dtype(torch::kLong)).to(device);
  };
  return torch::cat({table.index_select(0, index(rows)), table.index_select(0, index(cols))}, 1);  // [N, dim]
}

VisionAttentionImpl::VisionAttentionImpl(int64_t dim, int64_t num_heads) : heads_(num_heads), head_dim_(dim / num_heads) {
  qkv = register_module("qkv", nn::Linear(nn::LinearOptions(dim, 3 * dim).bias(true)));
  proj = register_module("proj", nn::Linear(nn::LinearOptions(dim, dim).bias(true)));
}

torch::Tensor VisionAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                           const std::vector<int64_t>& lengths) {
  const int64_t N = x.size(0);
  // [N, 3, heads, D] -> three [1, heads, N, D]
  auto parts = qkv->forward(x).view({N, 3, heads_, head_dim_}).permute({1, 2, 0, 3}).unsqueeze(1).unbind(0);
  // The rotary in float32 whatever the dtype, as transformers' apply_rotary_pos_emb_vision.
  RotaryTables rope{cos.view({1, 1, N, -1}), sin.view({1, 1, N, -1})};
  auto q = apply_rotary(parts[0].to(torch::kFloat), rope).to(x.scalar_type());
  auto k = apply_rotary(parts[1].to(torch::kFloat), rope).to(x.scalar_type());
  auto v = parts[2];
  // Each run attends only to itself (transformers' cu_seqlens).
  std::vector<torch::Tensor> outs;
  int64_t first = 0;
  for (int64_t n : lengths) {
    outs.push_back(scaled_dot_product_attention(q.narrow(2, first, n), k.narrow(2, first, n), v.narrow(2, first, n),
                                                torch::Tensor()));
    first += n;
  }
  auto out = (outs.size() == 1 ? outs[0] : torch::cat(outs, 2))[0];  // [heads, N, D]
  return proj->forward(out.transpose(0, 1).reshape({N, heads_ * head_dim_}));
}

VisionMlpImpl::VisionMlpImpl(const Qwen2VisionConfig& c) {
  fc1 = register_module("fc1", nn::Linear(c.embed_dim, c.mlp_hidden()));
  fc2 = register_module("fc2", nn::Linear(c.mlp_hidden(), c.embed_dim));
}

torch::Tensor VisionMlpImpl::forward(const torch::Tensor& x) {
  auto h = fc1->forward(x);
  return fc2->forward(h * torch::sigmoid(1.702 * h));  // quick_gelu
}

VisionBlockImpl::VisionBlockImpl(nn::AnyModule n1, nn::AnyModule n2, VisionAttention a, nn::AnyModule m)
    : norm1(std::move(n1)), norm2(std::move(n2)), mlp(std::move(m)) {
  register_module("norm1", norm1.ptr());
  register_module("norm2", norm2.ptr());
  attn = register_module("attn", std::move(a));
  register_module("mlp", mlp.ptr());
}

torch::Tensor VisionBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                       const std::vector<int64_t>& lengths) {
  auto h = x + attn->forward(norm1.forward(x), cos, sin, lengths);
  return h + mlp.forward(norm2.forward(h));
}

PatchMergerImpl::PatchMergerImpl(nn::AnyModule norm, int64_t dim, int64_t merge, int64_t out)
    : ln_q(std::move(norm)), merged_(dim * merge * merge) {
  register_module("ln_q", ln_q.ptr());
  auto mlp = register_module("mlp", std::make_shared<nn::Module>());
  fc1 = mlp->register_module("0", nn::Linear(merged_, merged_));
  fc2 = mlp->register_module("2", nn::Linear(merged_, out));
}

torch::Tensor PatchMergerImpl::forward(const torch::Tensor& x) {
  auto h = ln_q.forward(x).reshape({-1, merged_});
  return fc2->forward(torch::gelu(fc1->forward(h)));
}

VisionTowerImpl::VisionTowerImpl(int64_t in_channels, int64_t dim, int64_t temporal_patch_size, int64_t patch_size,
                                 std::vector<VisionBlock> block_modules, PatchMerger merger_module)
    : block_list(std::move(block_modules)) {
  patch_embed = register_patch_embed(*this, in_channels, dim, temporal_patch_size, patch_size);
  blocks = register_module("blocks", nn::ModuleList());
  for (auto& block : block_list) blocks->push_back(block);
  merger = register_module("merger", std::move(merger_module));
}

namespace {

std::vector<VisionBlock> qwen2_vl_blocks(const Qwen2VisionConfig& c) {
  std::vector<VisionBlock> out;
  for (int64_t i = 0; i < c.depth; ++i)
    out.push_back(VisionBlock(nn::AnyModule(layer_norm(c.embed_dim)), nn::AnyModule(layer_norm(c.embed_dim)),
                              VisionAttention(c.embed_dim, c.num_heads), nn::AnyModule(VisionMlp(c))));
  return out;
}

}  // namespace

VisionTransformerImpl::VisionTransformerImpl(const Qwen2VisionConfig& c)
    : VisionTowerImpl(c.in_channels, c.embed_dim, c.temporal_patch_size, c.patch_size, qwen2_vl_blocks(c),
                      PatchMerger(nn::AnyModule(layer_norm(c.embed_dim)), c.embed_dim, c.spatial_merge_size,
                                  c.hidden_size)),
      config_(c) {}

torch::Tensor VisionTransformerImpl::forward(const torch::Tensor& pixel_values,
                                             const std::vector<std::array<int64_t, 3>>& grids) {
  const auto& c = config_;
  torch::Tensor h = embed_patches(patch_embed, pixel_values);
  const std::vector<int64_t> lengths = frame_lengths(grids, c.spatial_merge_size, h.size(0));
  torch::Tensor angles = vision_rotary_angles(grids, c.spatial_merge_size, c.head_dim(), h.device());
  torch::Tensor cos = angles.cos(), sin = angles.sin();
  for (auto& block : block_list) h = block->forward(h, cos, sin, lengths);
  return merger->forward(h);
}

}  // namespace vlsi::model::qwen2_vl
