#pragma once
// The images of a batch as a model family takes them: what a family's
// processor makes (model/vision_processor.h) and its model consumes. Kept
// family-neutral: pixel_values' layout belongs to the family (LLaVA-OneVision:
// [tiles, C, S, S], every image's tiles in order, base tile first; Qwen2-VL:
// [patches, C * T * P * P], each image's patches, with its patch grid).
#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <vector>

namespace vlsi::model {

struct VisionInputs {
  torch::Tensor pixel_values;                       // undefined when there are no images
  std::vector<int64_t> tiles_per_image;             // rows of pixel_values that belong to each image
  std::vector<std::array<int64_t, 2>> image_sizes;  // each image's original (height, width)
  // Per image (t, h, w) patches, for families that cut images into a grid of
  // patches (Qwen2-VL's image_grid_thw); empty for the others.
  std::vector<std::array<int64_t, 3>> patch_grids;

  bool empty() const { return tiles_per_image.empty(); }
  int64_t num_images() const { return int64_t(tiles_per_image.size()); }
  int64_t num_tiles() const;

  // pixel_values [N, C, H, W] as N images of one tile each, (H, W) their size
  // (how LLaVA-OneVision takes the images of a multi-image sample).
  static VisionInputs one_tile_each(const torch::Tensor& pixel_values);
  // [N, most tiles, ...]: each image's tiles, zero-padded to the longest (how
  // transformers' processors return pixel_values for a batch).
  torch::Tensor padded_pixel_values() const;
  // The same images on `device` (pixels keep their dtype).
  VisionInputs to(torch::Device device) const;
  // Images `first`..`first + count - 1`.
  VisionInputs slice(int64_t first, int64_t count) const;
  // The images of several samples, in order (empty parts are skipped).
  static VisionInputs concat(const std::vector<VisionInputs>& parts);
  // Fails (one line naming `where`) when the fields disagree with each other.
  void validate(const char* where) const;
};

}  // namespace vlsi::model
