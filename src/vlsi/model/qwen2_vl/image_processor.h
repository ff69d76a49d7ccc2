#pragma once
// HF's Qwen2VLImageProcessor (transformers 4.57.6, slow/PIL path) on 8-bit RGB
// images: each image is resized by smart_resize to sides that are multiples of
// patch_size * merge_size (Pillow, bit for bit), rescaled and normalised in
// numpy's float32 order, repeated to temporal_patch_size frames and cut into
// flattened patches, merge_size x merge_size neighbours adjacent.
#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <vector>

#include "vlsi/image/rgb_image.h"
#include "vlsi/model/qwen2_vl/image_processor_config.h"

namespace vlsi::model::qwen2_vl {

struct ResizedSize {
  int64_t height = 0;
  int64_t width = 0;
  bool operator==(const ResizedSize& o) const { return height == o.height && width == o.width; }
};

// transformers' smart_resize: sides rounded (half to even) to multiples of
// `factor`, then scaled down to at most max_pixels or up to at least
// min_pixels, keeping the aspect ratio. Fails as transformers does for an
// aspect ratio above 200, and where transformers' resize would then fail
// (a side of 0, possible only with min_pixels 0); also for non-positive sides.
ResizedSize smart_resize(int64_t height, int64_t width, int64_t factor = 28, int64_t min_pixels = 56 * 56,
                         int64_t max_pixels = 14 * 14 * 4 * 1280);

// The size an image of (height, width) is processed at: smart_resize with the
// config's factor and pixel limits, or the image's own size without do_resize
// (whose sides must then be multiples of the factor, else transformers'
// reshape fails).
ResizedSize processed_size(int64_t height, int64_t width, const ImageProcessorConfig& c);

// (grid_t, grid_h, grid_w) of one image: 1 frame group, processed sides / patch_size.
std::array<int64_t, 3> image_grid_thw(int64_t height, int64_t width, const ImageProcessorConfig& c);

// <|image_pad|> tokens the processor expands one image into:
// grid_t * grid_h * grid_w / merge_size^2 (Qwen2VLProcessor's count).
int64_t image_token_count(int64_t height, int64_t width, const ImageProcessorConfig& c);

struct ProcessedImages {
  // [total patches, 3 * temporal_patch_size * patch_size^2] float32: the
  // images' patches one after the other, each row (channel, frame, y, x).
  torch::Tensor pixel_values;
  torch::Tensor image_grid_thw;  // [num_images, 3] int64
};

// images=[...] through the processor. No images give [0, D] and [0, 3].
ProcessedImages process_images(const std::vector<image::Image>& images, const ImageProcessorConfig& c);

}  // namespace vlsi::model::qwen2_vl
