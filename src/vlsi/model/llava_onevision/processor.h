#pragma once
// LlavaOnevisionProcessor's image side: preprocessor_config.json (the image
// processor, model/llava_onevision/image_processor.h) plus processor_config.json
// (num_image_tokens, vision_feature_select_strategy, vision_aspect_ratio, the
// image/video token strings). One image in a sample goes anyres; several share
// the sample one tile each, as transformers decides from batch_num_images.
#include <nlohmann/json.hpp>

#include <string>

#include "vlsi/model/config.h"
#include "vlsi/model/llava_onevision/image_processor_config.h"
#include "vlsi/model/vision_processor.h"

namespace vlsi::model::llava_onevision {

class LlavaOnevisionProcessor : public VisionProcessor {
 public:
  // The processor a new model of `config` ships: tiles of the vision tower's
  // size, the config's pinpoints, SigLIP's mean/std of 0.5.
  static LlavaOnevisionProcessor for_model(const VlmConfig& config);
  // A folder's preprocessor_config.json and processor_config.json; fields the
  // folder lacks come from for_model(config).
  static LlavaOnevisionProcessor load(const std::string& folder, const VlmConfig& config);

  VisionInputs process(const std::vector<image::Image>& sample_images) const override;
  std::vector<int64_t> image_token_counts(const std::vector<std::array<int64_t, 2>>& sample_image_sizes) const override;
  std::string image_token_string() const override { return image_token; }
  void save(const std::string& folder) const override;

  ImageProcessorConfig image_processor;
  int64_t num_image_tokens = 729;  // features of one tile
  std::string vision_feature_select_strategy = "full";
  std::string vision_aspect_ratio = "anyres_max_9";
  std::string image_token = "<image>";
  std::string video_token = "<video>";
  nlohmann::json extra = nlohmann::json::object();  // processor_config.json fields kept as read
};

}  // namespace vlsi::model::llava_onevision
