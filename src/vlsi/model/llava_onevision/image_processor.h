#pragma once
// HF's LlavaOnevisionImageProcessor (transformers 4.57, slow/PIL path) on 8-bit
// RGB images. An image alone in its sample goes anyres: resized (aspect kept)
// into the best grid pinpoint, zero-padded centred to it, cut into tiles, with
// the whole image resized to one tile in front. An image sharing its sample
// with others is padded to a square with the mean colour and resized to one
// tile. Every tile is then resized (no-op at tile size), rescaled, normalised.
#include <torch/torch.h>

#include <vector>

#include "vlsi/image/rgb_image.h"
#include "vlsi/model/llava_onevision/anyres.h"
#include "vlsi/model/llava_onevision/image_processor_config.h"

namespace vlsi::model::llava_onevision {

struct ProcessedImage {
  torch::Tensor pixel_values;  // [num_tiles, 3, tile height, tile width] float32, base image first
  Resolution image_size;       // the original (height, width): what unpadding needs
  bool anyres = true;
};

// One image; `anyres` false is the multi-image treatment (one square tile).
ProcessedImage process_image(const image::Image& img, const ImageProcessorConfig& c, bool anyres = true);

struct ProcessedBatch {
  // Per image, in order. With do_pad every entry has the batch's largest tile
  // count (extra tiles are zeros), as transformers' _pad_for_batching.
  std::vector<torch::Tensor> pixel_values;
  torch::Tensor image_sizes;              // [num_images, 2] int64 (height, width)
  std::vector<int64_t> batch_num_images;  // images per sample (empty samples dropped)
  std::vector<bool> anyres;               // per image: true when alone in its sample

  // [num_images, tiles, 3, H, W]; every image must have the same tile count (do_pad).
  torch::Tensor stacked() const;
};

// Images grouped by sample (conversation), like processor(images=[[...], [...]]).
ProcessedBatch process_batch(const std::vector<std::vector<image::Image>>& samples, const ImageProcessorConfig& c);
// A flat list, like processor(images=[...]): each image is its own sample (anyres).
ProcessedBatch process_images(const std::vector<image::Image>& images, const ImageProcessorConfig& c);

// Tokens each image of the batch expands into, given the vision tower's
// features per tile (the processor's num_image_tokens).
std::vector<int64_t> batch_num_image_tokens(const ProcessedBatch& b, const ImageProcessorConfig& c,
                                            int64_t num_image_tokens,
                                            const std::string& vision_aspect_ratio = "anyres_max_9",
                                            const std::string& vision_feature_select_strategy = "full");

}  // namespace vlsi::model::llava_onevision
