#pragma once
// preprocessor_config.json of a model folder, with the fields of HF's SigLIP
// image processor (what LLaVA-OneVision checkpoints ship): the image is resized
// to size.height x size.width with resample (3 = bicubic), scaled by
// rescale_factor, then normalised with image_mean / image_std per channel.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "vlsi/model/config.h"

namespace vlsi::model {

struct ImageProcessorConfig {
  int64_t height = 384;
  int64_t width = 384;
  std::vector<double> image_mean = {0.5, 0.5, 0.5};
  std::vector<double> image_std = {0.5, 0.5, 0.5};
  double rescale_factor = 1.0 / 255.0;
  bool do_normalize = true;
  int resample = 3;

  // The processor matching a model: square images of the vision tower's size.
  static ImageProcessorConfig for_model(const VlmConfig& config);
  static ImageProcessorConfig from_json(const nlohmann::json& j, const std::string& where);
  static ImageProcessorConfig load(const std::string& path);  // file, or folder holding preprocessor_config.json
  nlohmann::json to_json() const;
};

}  // namespace vlsi::model
