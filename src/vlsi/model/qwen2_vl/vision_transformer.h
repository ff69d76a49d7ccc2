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
// (model/qwen2_5_vl/vision_transformer.h) reuses the attention, the patch
// embedding, the rotary angles and the grid checks declared here.
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

class VisionBlockImpl : public torch::nn::Module {
 public:
  explicit VisionBlockImpl(const Qwen2VisionConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const std::vector<int64_t>& lengths);
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  VisionAttention attn{nullptr};
  VisionMlp mlp{nullptr};
};
TORCH_MODULE(VisionBlock);

class PatchMergerImpl : public torch::nn::Module {
 public:
  explicit PatchMergerImpl(const Qwen2VisionConfig& c);
  torch::Tensor forward(const torch::Tensor& x);  // [N, E] -> [N / merge^2, hidden_size]
  torch::nn::LayerNorm ln_q{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};  // "mlp.0", "mlp.2" (an nn.Sequential in transformers)

 private:
  int64_t merged_;
};
TORCH_MODULE(PatchMerger);

class VisionTransformerImpl : public torch::nn::Module {
 public:
  explicit VisionTransformerImpl(const Qwen2VisionConfig& c);
  // pixel_values [patches, C * T * P * P]; grids: each image's (t, h, w) patches.
  // Returns the merged tokens of every image, in order [patches / merge^2, hidden_size].
  torch::Tensor forward(const torch::Tensor& pixel_values, const std::vector<std::array<int64_t, 3>>& grids);
  torch::nn::Conv3d patch_embed{nullptr};  // "patch_embed.proj" (weight [E, C, T, P, P], no bias)
  torch::nn::ModuleList blocks{nullptr};
  std::vector<VisionBlock> block_list;  // typed handles to `blocks`
  PatchMerger merger{nullptr};

 private:
  Qwen2VisionConfig config_;
};
TORCH_MODULE(VisionTransformer);

}  // namespace vlsi::model::qwen2_vl
