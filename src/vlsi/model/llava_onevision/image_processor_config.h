#pragma once
// preprocessor_config.json of HF's LlavaOnevisionImageProcessor: every field
// transformers 4.57 reads and writes, with its defaults when absent; fields it
// does not know are kept and written back unchanged.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "vlsi/model/llava_onevision/anyres.h"
#include "vlsi/model/image_processor_fields.h"

namespace vlsi::model::llava_onevision {

// do_rescale, rescale_factor, do_normalize, image_mean/std: PixelNormalization.
struct ImageProcessorConfig : PixelNormalization {
  bool do_resize = true;
  // size: {"height", "width"} or {"shortest_edge"[, "longest_edge"]}; 0 = key absent.
  int64_t size_height = 384;
  int64_t size_width = 384;
  int64_t size_shortest_edge = 0;
  int64_t size_longest_edge = 0;
  std::vector<Resolution> image_grid_pinpoints = default_pinpoints();
  int resample = 3;  // PIL.Image.Resampling (3 = BICUBIC)
  bool do_pad = true;  // pad the tile dimension of a batch to its longest image
  bool do_convert_rgb = true;
  nlohmann::json extra = nlohmann::json::object();  // unknown fields, as read

  // The processed tile: (height, width), or (shortest_edge, shortest_edge).
  Resolution tile() const;

  // Token-count parameters for a vision tower with `num_image_tokens` features per tile.
  AnyresParams anyres_params(int64_t num_image_tokens, const std::string& vision_aspect_ratio = "anyres_max_9",
                             const std::string& vision_feature_select_strategy = "full") const;

  static std::vector<Resolution> default_pinpoints();  // 384..2304 step 384, both sides
  static ImageProcessorConfig from_json(const nlohmann::json& j, const std::string& where);
  static ImageProcessorConfig load(const std::string& path);  // file, or folder holding preprocessor_config.json
  nlohmann::json to_json() const;
  void save(const std::string& path) const;  // file, or folder (writes preprocessor_config.json)
};

}  // namespace vlsi::model::llava_onevision
