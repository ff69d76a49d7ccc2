#include "vlsi/model/qwen2_vl/image_processor_config.h"

#include <set>

#include "vlsi/image/pillow_resize.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/limits.h"

namespace vlsi::model::qwen2_vl {

namespace {

constexpr const char* kType = "Qwen2VLImageProcessor";
// A folder saved by the fast processor names it; the slow one loads it all the same.
constexpr const char* kFastType = "Qwen2VLImageProcessorFast";
// Bound on patch_size, temporal_patch_size and merge_size: real ones are <= 16;
// it keeps factor() and a patch row's length far from overflow on hostile files.
constexpr int64_t kMaxPatchDim = 1024;

const std::set<std::string>& known_fields() {
  static const std::set<std::string> k = {
      "image_processor_type", "do_resize",      "size",         "min_pixels", "max_pixels",
      "patch_size",           "temporal_patch_size", "merge_size", "resample", "do_rescale",
      "rescale_factor",       "do_normalize",   "image_mean",   "image_std",  "do_convert_rgb"};
  return k;
}

// transformers' __init__ refuses a size without both keys, then ignores it.
void check_size(const nlohmann::json& j, const std::string& where) {
  auto it = j.find("size");
  if (it == j.end() || it->is_null()) return;
  const bool ok = it->is_object() && it->contains("shortest_edge") && it->contains("longest_edge");
  check(ok, where, ": field 'size': expected {\"shortest_edge\", \"longest_edge\"} (pixel counts), got ",
        it->dump());
  for (const char* k : {"shortest_edge", "longest_edge"}) {
    const auto& v = (*it)[k];
    check(v.is_number_integer() && v.get<int64_t>() >= 0, where, ": field 'size': '", k,
          "' must be a non-negative integer, got ", v.dump());
  }
}

}  // namespace

void ImageProcessorConfig::validate(const std::string& where) const {
  auto dim = [&](const char* field, int64_t v) {
    check(v >= 1 && v <= kMaxPatchDim, where, ": field '", field, "': expected an integer in [1, ", kMaxPatchDim,
          "], got ", v);
  };
  dim("patch_size", patch_size);
  dim("temporal_patch_size", temporal_patch_size);
  dim("merge_size", merge_size);
  const int64_t most = io::limit_value(io::limits::kImagePixels);
  check(max_pixels >= 1 && max_pixels <= most, where, ": field 'max_pixels': expected a pixel count in [1, ", most,
        "], got ", max_pixels, io::limit_note(io::limits::kImagePixels));
  // transformers takes min_pixels 0 (a too-small image then fails in resize); min > max has no meaning.
  check(min_pixels >= 0 && min_pixels <= max_pixels, where, ": field 'min_pixels': expected a pixel count in [0, ",
        "max_pixels = ", max_pixels, "], got ", min_pixels);
  check(image::is_pillow_resample(resample), where, ": field 'resample': expected a PIL resampling filter 0..5, got ",
        resample);
  validate_normalization(where);
}

ImageProcessorConfig ImageProcessorConfig::from_json(const nlohmann::json& j, const std::string& where) {
  check(j.is_object(), where, ": expected a JSON object, got ", io::json_type_name(j));
  ImageProcessorConfig c;
  auto type = io::get_or<std::string>(j, "image_processor_type", kType, where);
  check(type == kType || type == kFastType, where, ": field 'image_processor_type': expected \"", kType, "\", got \"",
        type, "\"");
  c.do_resize = io::get_or<bool>(j, "do_resize", c.do_resize, where);
  check_size(j, where);
  c.min_pixels = io::get_or<int64_t>(j, "min_pixels", c.min_pixels, where);
  c.max_pixels = io::get_or<int64_t>(j, "max_pixels", c.max_pixels, where);
  c.patch_size = io::get_or<int64_t>(j, "patch_size", c.patch_size, where);
  c.temporal_patch_size = io::get_or<int64_t>(j, "temporal_patch_size", c.temporal_patch_size, where);
  c.merge_size = io::get_or<int64_t>(j, "merge_size", c.merge_size, where);
  c.resample = io::get_or<int>(j, "resample", c.resample, where);
  c.read_normalization(j, where);
  c.do_convert_rgb = io::get_or<bool>(j, "do_convert_rgb", c.do_convert_rgb, where);
  c.extra = unknown_fields(j, known_fields());
  c.validate(where);
  return c;
}

ImageProcessorConfig ImageProcessorConfig::load(const std::string& path) {
  const std::string file = preprocessor_config_file(path);
  return from_json(io::read_json_file(file), file);
}

nlohmann::json ImageProcessorConfig::to_json() const {
  nlohmann::json j = extra;
  j["image_processor_type"] = kType;
  j["do_resize"] = do_resize;
  j["size"] = {{"shortest_edge", min_pixels}, {"longest_edge", max_pixels}};
  j["min_pixels"] = min_pixels;
  j["max_pixels"] = max_pixels;
  j["patch_size"] = patch_size;
  j["temporal_patch_size"] = temporal_patch_size;
  j["merge_size"] = merge_size;
  j["resample"] = resample;
  write_normalization(j);
  j["do_convert_rgb"] = do_convert_rgb;
  return j;
}

void ImageProcessorConfig::save(const std::string& path) const {
  io::write_json_file(preprocessor_config_file(path), to_json());
}

}  // namespace vlsi::model::qwen2_vl
