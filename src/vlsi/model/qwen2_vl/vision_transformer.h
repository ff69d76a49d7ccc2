#pragma once
// Qwen2-VL's vision transformer as transformers 4.57 runs it
// (Qwen2VisionTransformerPretrainedModel, registered as "visual"): a Conv3d
// patch embedding without bias (patch_embed.proj.weight [E, C, T, P, P]),
// `depth` pre-LN blocks (norm1/norm2 LayerNorms, eps 1e-6; attn.qkv and
// attn.proj with bias; mlp.fc1 -> quick_gelu -> mlp.fc2) with a 2-D rotary
// position (row, column of each patch) in every block's attention, each image
// attending only to itself, and a PatchMerger (merger.ln_q, then merger.mlp.0
// -> GELU -> merger.mlp.2) that joins each spatial_merge_size^2 window of
// neighbouring patches (adjacent rows of pixel_values, as the processor orders
// them) into one token of the decoder's width. Qwen2.5-VL's tower
// (model/qwen2_5_vl/vision_transformer.h) is built of the same parts declared
// here: patch embedding, rotary angles, grid checks, attention, a block and a
// merger of the family's norm and MLP, the tower's module layout.
#include <torch/torch.h>

#include <array>
#include <vector>

#include "vlsi/model/config.h"

namespace vlsi::model::qwen2_vl {

// The Conv3d patch embedding "patch_embed.proj" (weight [dim, C, T, P, P], no
// bias) registered under `owner`, and pixel_values [patches, C * T * P * P]
// through it (checked) -> [patches, dim].
torch::nn::Conv3d register_patch_embed(torch::nn::Module& owner, int64_t in_channels, int64_t dim,
                                       int64_t temporal_patch_size, int64_t patch_size);
torch::Tensor embed_patches(const torch::nn::Conv3d& patch_embed, const torch::Tensor& pixel_values);

// Each frame's patch count (frames attend separately), after checking the grids
// (positive, h and w multiples of merge) against pixel_values' `rows`.
std::vector<int64_t> frame_lengths(const std::vector<std::array<int64_t, 3>>& grids, int64_t merge, int64_t rows);

// The (row, column) rotary angles of every patch [patches, head_dim / 2], in
// the processor's order (merge windows row by row, each window's patches row by row).
torch::Tensor vision_rotary_angles(const std::vector<std::array<int64_t, 3>>& grids, int64_t merge, int64_t head_dim,
                                   torch::Device device);

class VisionAttentionImpl : public torch::nn::Module {
 public:
  VisionAttentionImpl(int64_t dim, int64_t num_heads);
  // x [N, E] of several images; rope cos/sin [N, D/2]; `lengths`: rows of each
  // run that attends only to itself (an image's frame, or a window).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const std::vector<int64_t>& lengths);
  torch::nn::Linear qkv{nullptr}, proj{nullptr};

 private:
  int64_t heads_, head_dim_;
};
TORCH_MODULE(VisionAttention);

class VisionMlpImpl : public torch::nn::Module {
 public:
  explicit VisionMlpImpl(const Qwen2VisionConfig& c);
  torch::Tensor forward(const torch::Tensor& x);  // fc2(quick_gelu(fc1(x)))
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(VisionMlp);

// A pre-norm block, x + attn(norm1(x)) then + mlp(norm2(.)), of the family's
// norms and MLP (Qwen2-VL: LayerNorm and quick_gelu fc1/fc2; Qwen2.5-VL:
// RMSNorm and SwiGLU), each a module of one tensor -> one tensor.
class VisionBlockImpl : public torch::nn::Module {
 public:
  VisionBlockImpl(torch::nn::AnyModule norm1, torch::nn::AnyModule norm2, VisionAttention attn,
                  torch::nn::AnyModule mlp);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const std::vector<int64_t>& lengths);
  torch::nn::AnyModule norm1, norm2, mlp;
  VisionAttention attn{nullptr};
};
TORCH_MODULE(VisionBlock);

// ln_q (the family's norm over dim), then each merge^2 neighbours' rows joined
// and through mlp.0 -> GELU -> mlp.2 to `out` (an nn.Sequential in transformers).
class PatchMergerImpl : public torch::nn::Module {
 public:
  PatchMergerImpl(torch::nn::AnyModule ln_q, int64_t dim, int64_t merge, int64_t out);
  torch::Tensor forward(const torch::Tensor& x);  // [N, dim] -> [N / merge^2, out]
  torch::nn::AnyModule ln_q;
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};  // "mlp.0", "mlp.2"

 private:
  int64_t merged_;
};
TORCH_MODULE(PatchMerger);

// What both families' towers hold, under transformers' names: the patch
// embedding of width dim, "blocks.N" and "merger". Each tower's forward is its own.
class VisionTowerImpl : public torch::nn::Module {
 public:
  VisionTowerImpl(int64_t in_channels, int64_t dim, int64_t temporal_patch_size, int64_t patch_size,
                  std::vector<VisionBlock> blocks, PatchMerger merger);
  torch::nn::Conv3d patch_embed{nullptr};  // "patch_embed.proj" (weight [dim, C, T, P, P], no bias)
  torch::nn::ModuleList blocks{nullptr};
  std::vector<VisionBlock> block_list;  // typed handles to `blocks`
  PatchMerger merger{nullptr};
};

class VisionTransformerImpl : public VisionTowerImpl {
 public:
  explicit VisionTransformerImpl(const Qwen2VisionConfig& c);
  // pixel_values [patches, C * T * P * P]; grids: each image's (t, h, w) patches.
  // Returns the merged tokens of every image, in order [patches / merge^2, hidden_size].
  torch::Tensor forward(const torch::Tensor& pixel_values, const std::vector<std::array<int64_t, 3>>& grids);

 private:
  Qwen2VisionConfig config_;
};
TORCH_MODULE(VisionTransformer);

}  // namespace vlsi::model::qwen2_vl
