#pragma once
// Qwen2VLProcessor's image side: preprocessor_config.json (the image processor,
// model/qwen2_vl/image_processor.h), the <|image_pad|> token each merged image
// token is written as, and the <|vision_start|> / <|vision_end|> around them.
#include <string>

#include "vlsi/model/qwen2_vl/image_processor_config.h"
#include "vlsi/model/vision_processor.h"

namespace vlsi::model::qwen2_vl {

// The vision tower's patch sizes, which the processor's must equal.
struct TowerPatchSizes {
  int64_t patch_size = 14;
  int64_t temporal_patch_size = 2;
  int64_t spatial_merge_size = 2;
};

class Qwen2VlProcessor : public VisionProcessor {
 public:
  // A new model's: transformers' defaults with the vision tower's patch sizes.
  static Qwen2VlProcessor for_model(const TowerPatchSizes& tower);
  // A folder's preprocessor_config.json (for_model(tower) without one); its
  // patch sizes must be the vision tower's.
  static Qwen2VlProcessor load(const std::string& folder, const TowerPatchSizes& tower);

  VisionInputs process(const std::vector<image::Image>& sample_images) const override;
  std::vector<int64_t> image_token_counts(const std::vector<std::array<int64_t, 2>>& sample_image_sizes) const override;
  std::string image_token_string() const override { return "<|image_pad|>"; }
  std::string image_prefix() const override { return "<|vision_start|>"; }
  std::string image_suffix() const override { return "<|vision_end|>"; }
  void save(const std::string& folder) const override;

  ImageProcessorConfig image_processor;
};

}  // namespace vlsi::model::qwen2_vl
