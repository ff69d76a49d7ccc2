#pragma once
// preprocessor_config.json of HF's Qwen2VLImageProcessor (transformers 4.57.6,
// the slow PIL path; Qwen2.5-VL ships the same processor). Every field it reads
// and writes, with its defaults when absent; unknown fields are kept and
// written back unchanged, as save_pretrained does.
//
// Pixel limits: the slow processor's constructor takes min_pixels/max_pixels;
// a "size" {shortest_edge, longest_edge} must hold both keys but its values
// are then dropped for the defaults (4.57.6 resets size whenever it is valid),
// so only min_pixels/max_pixels change anything. It writes all three back.
#include <nlohmann/json.hpp>

#include <string>

#include "vlsi/model/image_processor_fields.h"

namespace vlsi::model::qwen2_vl {

// do_rescale, rescale_factor, do_normalize, image_mean/std (CLIP's): PixelNormalization.
struct ImageProcessorConfig : PixelNormalization {
  bool do_resize = true;
  int64_t min_pixels = 56 * 56;         // size["shortest_edge"]: a pixel count, not an edge
  int64_t max_pixels = 28 * 28 * 1280;  // size["longest_edge"]
  int64_t patch_size = 14;
  int64_t temporal_patch_size = 2;  // an image is repeated to this many frames
  int64_t merge_size = 2;           // merge_size x merge_size patches make one LLM token
  int resample = 3;                 // PIL.Image.Resampling (3 = BICUBIC)
  bool do_convert_rgb = true;
  nlohmann::json extra = nlohmann::json::object();  // unknown fields, as read

  // smart_resize's factor: resized sides are multiples of it.
  int64_t factor() const { return patch_size * merge_size; }

  // Fails with one line naming `where` and the field: sizes positive and
  // bounded, 0 <= min_pixels <= max_pixels <= the image pixel limit, a PIL
  // filter, non-zero std, 1 or 3 mean/std values.
  void validate(const std::string& where) const;

  // Reads (and validates) a preprocessor_config.json object; `where` names it in errors.
  static ImageProcessorConfig from_json(const nlohmann::json& j, const std::string& where);
  static ImageProcessorConfig load(const std::string& path);  // file, or folder holding preprocessor_config.json
  // What save_pretrained writes: every field, size mirroring min/max_pixels.
  nlohmann::json to_json() const;
  void save(const std::string& path) const;  // file, or folder (writes preprocessor_config.json)
};

}  // namespace vlsi::model::qwen2_vl
