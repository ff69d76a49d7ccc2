#pragma once
// A model family's processor: the images of one sample (conversation) -> the
// VisionInputs its model takes, and how many image tokens each image's
// placeholder expands into. Families implement it beside their model
// (LLaVA-OneVision: model/llava_onevision/processor.h) and the registry
// (model/registry.h) builds the one that matches a folder.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "vlsi/image/rgb_image.h"
#include "vlsi/model/vision_inputs.h"

namespace vlsi::model {

class VisionProcessor {
 public:
  virtual ~VisionProcessor() = default;
  // Every image of one sample, in order. How an image is treated may depend on
  // its neighbours (LLaVA-OneVision tiles an image only when it is alone).
  virtual VisionInputs process(const std::vector<image::Image>& sample_images) const = 0;
  // Image tokens for each image of one sample, from the images' (height, width).
  virtual std::vector<int64_t> image_token_counts(const std::vector<std::array<int64_t, 2>>& sample_image_sizes) const = 0;
  // The token text one image feature is written as ("<image>", "<|image_pad|>");
  // empty for a model that takes no images.
  virtual std::string image_token_string() const = 0;
  // Written around each image's run of image tokens where no chat template of
  // the model's does it (Qwen2-VL: "<|vision_start|>", "<|vision_end|>").
  virtual std::string image_prefix() const { return ""; }
  virtual std::string image_suffix() const { return ""; }
  // Writes the processor's files (preprocessor_config.json, processor_config.json) into `folder`.
  virtual void save(const std::string& folder) const = 0;
};

}  // namespace vlsi::model
