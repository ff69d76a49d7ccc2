#pragma once
// The processor of a model without a vision tower: no images, no image tokens,
// no processor files. Asking it to process an image is a one-line error.
#include "vlsi/model/vision_processor.h"

namespace vlsi::model::qwen2 {

class TextOnlyProcessor : public VisionProcessor {
 public:
  explicit TextOnlyProcessor(std::string model_type) : model_type_(std::move(model_type)) {}
  VisionInputs process(const std::vector<image::Image>& sample_images) const override;
  std::vector<int64_t> image_token_counts(const std::vector<std::array<int64_t, 2>>& sample_image_sizes) const override;
  std::string image_token_string() const override { return ""; }
  void save(const std::string&) const override {}

 private:
  std::string model_type_;
};

}  // namespace vlsi::model::qwen2
