#include "vlsi/model/llava_onevision/processor.h"

#include <filesystem>

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/llava_onevision/image_processor.h"

namespace vlsi::model::llava_onevision {
namespace fs = std::filesystem;

namespace {
constexpr const char* kProcessorFile = "processor_config.json";
constexpr const char* kImageProcessorFile = "preprocessor_config.json";
}  // namespace

LlavaOnevisionProcessor LlavaOnevisionProcessor::for_model(const VlmConfig& config) {
  LlavaOnevisionProcessor p;
  ImageProcessorConfig& ip = p.image_processor;
  ip.size_height = ip.size_width = config.vision_config.image_size;
  ip.image_grid_pinpoints.clear();
  for (const auto& pin : config.image_grid_pinpoints) ip.image_grid_pinpoints.push_back({pin[0], pin[1]});
  ip.image_mean.assign(3, 0.5);
  ip.image_std.assign(3, 0.5);
  ip.extra["processor_class"] = "LlavaOnevisionProcessor";
  p.num_image_tokens = config.vision_config.num_patches();
  p.vision_feature_select_strategy = config.vision_feature_select_strategy;
  p.vision_aspect_ratio = config.vision_aspect_ratio;
  return p;
}

LlavaOnevisionProcessor LlavaOnevisionProcessor::load(const std::string& folder, const VlmConfig& config) {
  LlavaOnevisionProcessor p = for_model(config);
  const fs::path image_file = fs::path(folder) / kImageProcessorFile;
  if (fs::exists(image_file)) p.image_processor = ImageProcessorConfig::load(image_file.string());
  const fs::path file = fs::path(folder) / kProcessorFile;
  if (fs::exists(file)) {
    const std::string where = file.string();
    nlohmann::json j = io::read_json_file(where);
    check(j.is_object(), where, ": expected an object");
    p.num_image_tokens = io::get_or<int64_t>(j, "num_image_tokens", p.num_image_tokens, where);
    p.vision_feature_select_strategy =
        io::get_or<std::string>(j, "vision_feature_select_strategy", p.vision_feature_select_strategy, where);
    p.vision_aspect_ratio = io::get_or<std::string>(j, "vision_aspect_ratio", p.vision_aspect_ratio, where);
    p.image_token = io::get_or<std::string>(j, "image_token", p.image_token, where);
    p.video_token = io::get_or<std::string>(j, "video_token", p.video_token, where);
    for (const char* k : {"num_image_tokens", "vision_feature_select_strategy", "vision_aspect_ratio", "image_token",
                          "video_token"})
      j.erase(k);
    p.extra = j;
    check(p.num_image_tokens > 0, where, ": field 'num_image_tokens' must be positive");
  }
  return p;
}

VisionInputs LlavaOnevisionProcessor::process(const std::vector<image::Image>& sample_images) const {
  VisionInputs out;
  std::vector<torch::Tensor> pixels;
  for (const image::Image& img : sample_images) {
    ProcessedImage p = process_image(img, image_processor, /*anyres=*/sample_images.size() == 1);
    out.tiles_per_image.push_back(p.pixel_values.size(0));
    out.image_sizes.push_back({p.image_size.height, p.image_size.width});
    pixels.push_back(std::move(p.pixel_values));
  }
  if (!pixels.empty()) out.pixel_values = pixels.size() == 1 ? pixels[0] : torch::cat(pixels, 0);
  return out;
}

std::vector<int64_t> LlavaOnevisionProcessor::image_token_counts(
    const std::vector<std::array<int64_t, 2>>& sample_image_sizes) const {
  const AnyresParams params =
      image_processor.anyres_params(num_image_tokens, vision_aspect_ratio, vision_feature_select_strategy);
  const bool multi_image = sample_image_sizes.size() > 1;
  std::vector<int64_t> out;
  for (const auto& s : sample_image_sizes)
    out.push_back(llava_onevision::num_image_tokens({s[0], s[1]}, params, multi_image));
  return out;
}

void LlavaOnevisionProcessor::save(const std::string& folder) const {
  image_processor.save((fs::path(folder) / kImageProcessorFile).string());
  nlohmann::json j = extra;
  j["image_token"] = image_token;
  j["num_image_tokens"] = num_image_tokens;
  j["processor_class"] = "LlavaOnevisionProcessor";
  j["video_token"] = video_token;
  j["vision_aspect_ratio"] = vision_aspect_ratio;
  j["vision_feature_select_strategy"] = vision_feature_select_strategy;
  io::write_json_file((fs::path(folder) / kProcessorFile).string(), j);
}

}  // namespace vlsi::model::llava_onevision
