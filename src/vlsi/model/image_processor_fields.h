#pragma once
// What every family's preprocessor_config.json shares: the rescale and
// normalize steps of transformers' image processors (BaseImageProcessor.rescale
// / .normalize) with their fields, where the file lives, and the unknown
// fields that save_pretrained writes back as they were read.
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "vlsi/image/rgb_image.h"

namespace vlsi::model {

struct PixelNormalization {
  bool do_rescale = true;
  double rescale_factor = 1.0 / 255.0;
  bool do_normalize = true;
  // One value = a scalar in the JSON (applied to every channel), else one per channel.
  std::vector<double> image_mean = {0.48145466, 0.4578275, 0.40821073};  // OPENAI_CLIP_MEAN
  std::vector<double> image_std = {0.26862954, 0.26130258, 0.27577711};  // OPENAI_CLIP_STD

  // Per-channel value of image_mean / image_std (a scalar applies to all).
  double mean(int channel) const { return image_mean.size() == 1 ? image_mean[0] : image_mean[channel]; }
  double std_dev(int channel) const { return image_std.size() == 1 ? image_std[0] : image_std[channel]; }

  // Reads whichever of the five fields `j` holds, then validates; errors name `where` and the field.
  void read_normalization(const nlohmann::json& j, const std::string& where);
  // 1 or 3 finite means and non-zero stds, a finite rescale factor.
  void validate_normalization(const std::string& where) const;
  void write_normalization(nlohmann::json& j) const;

  // The image as numpy holds it after rescale and normalize, channels first,
  // written to dst as [3, height, width] float32.
  void to_chw(const image::Image& img, float* dst) const;
};

// `path` itself, or the preprocessor_config.json inside it when it is a folder.
std::string preprocessor_config_file(const std::string& path);

// The fields of `j` not in `known`, as they are (kept for writing back).
nlohmann::json unknown_fields(const nlohmann::json& j, const std::set<std::string>& known);

}  // namespace vlsi::model
