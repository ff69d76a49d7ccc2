#include "vlsi/model/qwen2_text/text_only_processor.h"

#include "vlsi/io/error.h"

namespace vlsi::model::qwen2 {

VisionInputs TextOnlyProcessor::process(const std::vector<image::Image>& sample_images) const {
  check(sample_images.empty(), "processor: a text-only model (model_type '", model_type_, "') takes no images, got ",
        sample_images.size());
  return {};
}

std::vector<int64_t> TextOnlyProcessor::image_token_counts(
    const std::vector<std::array<int64_t, 2>>& sample_image_sizes) const {
  check(sample_image_sizes.empty(), "processor: a text-only model (model_type '", model_type_,
        "') takes no images, got ", sample_image_sizes.size());
  return {};
}

}  // namespace vlsi::model::qwen2
