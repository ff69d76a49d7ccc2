#include "vlsi/model/preprocessor_config.h"

#include <filesystem>

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"

namespace vlsi::model {

ImageProcessorConfig ImageProcessorConfig::for_model(const VlmConfig& config) {
  ImageProcessorConfig p;
  p.height = p.width = config.vision_config.image_size;
  p.image_mean.assign(config.vision_config.num_channels, 0.5);
  p.image_std.assign(config.vision_config.num_channels, 0.5);
  return p;
}

ImageProcessorConfig ImageProcessorConfig::from_json(const nlohmann::json& j, const std::string& where) {
  ImageProcessorConfig p;
  check(j.is_object(), where, ": expected an object");
  auto size = io::get_field<nlohmann::json>(j, "size", where);
  // HF also allows {"shortest_edge": n}; only fixed square/rect sizes make sense without anyres.
  p.height = io::get_field<int64_t>(size, "height", where + ": size");
  p.width = io::get_field<int64_t>(size, "width", where + ": size");
  p.image_mean = io::get_or<std::vector<double>>(j, "image_mean", p.image_mean, where);
  p.image_std = io::get_or<std::vector<double>>(j, "image_std", p.image_std, where);
  p.rescale_factor = io::get_or<double>(j, "rescale_factor", p.rescale_factor, where);
  p.do_normalize = io::get_or<bool>(j, "do_normalize", p.do_normalize, where);
  p.resample = io::get_or<int>(j, "resample", p.resample, where);
  check(p.height > 0 && p.width > 0, where, ": size must be positive");
  check(p.image_mean.size() == p.image_std.size() && !p.image_mean.empty(), where,
        ": image_mean and image_std must have one value per channel");
  for (double s : p.image_std) check(s > 0, where, ": image_std values must be positive");
  return p;
}

ImageProcessorConfig ImageProcessorConfig::load(const std::string& path) {
  namespace fs = std::filesystem;
  std::string file = fs::is_directory(path) ? (fs::path(path) / "preprocessor_config.json").string() : path;
  return from_json(io::read_json_file(file), file);
}

nlohmann::json ImageProcessorConfig::to_json() const {
  return {{"image_processor_type", "SiglipImageProcessor"},
          {"processor_class", "LlavaOnevisionProcessor"},
          {"do_resize", true},
          {"size", {{"height", height}, {"width", width}}},
          {"resample", resample},
          {"do_rescale", true},
          {"rescale_factor", rescale_factor},
          {"do_normalize", do_normalize},
          {"image_mean", image_mean},
          {"image_std", image_std},
          {"do_convert_rgb", true}};
}

}  // namespace vlsi::model
