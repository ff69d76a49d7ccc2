#include "vlsi/model/qwen2_vl/image_processor_config.h"

#include <cmath>
#include <filesystem>
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
      "image_processor_type", "do_resize",  "size",      "min_pixels",     "max_pixels",  "patch_size",
      "temporal_patch_size",  "merge_size", "resample",  "do_rescale",     "rescale_factor", "do_normalize",
      "image_mean",           "image_std",  "do_convert_rgb"};
  return k;
}

// A float or a list of one float per RGB channel (transformers accepts both).
std::vector<double> read_channels(const nlohmann::json& j, const std::string& key, const std::vector<double>& fallback,
                                  const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (it->is_number()) return {it->get<double>()};
  bool ok = it->is_array() && it->size() == 3;
  for (size_t i = 0; ok && i < it->size(); ++i) ok = (*it)[i].is_number();
  check(ok, where, ": field '", key, "': expected a number or 3 numbers (one per RGB channel), got ", it->dump());
  return it->get<std::vector<double>>();
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
  check(std::isfinite(rescale_factor), where, ": field 'rescale_factor': expected a finite number, got ",
        rescale_factor);
  for (const char* field : {"image_mean", "image_std"}) {
    const auto& v = std::string(field) == "image_mean" ? image_mean : image_std;
    check(v.size() == 1 || v.size() == 3, where, ": field '", field, "': expected 1 or 3 values, got ", v.size());
    for (double x : v) check(std::isfinite(x), where, ": field '", field, "': values must be finite");
  }
  for (double s : image_std) check(s != 0.0, where, ": field 'image_std': values must be non-zero");
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
  c.do_rescale = io::get_or<bool>(j, "do_rescale", c.do_rescale, where);
  c.rescale_factor = io::get_or<double>(j, "rescale_factor", c.rescale_factor, where);
  c.do_normalize = io::get_or<bool>(j, "do_normalize", c.do_normalize, where);
  c.image_mean = read_channels(j, "image_mean", c.image_mean, where);
  c.image_std = read_channels(j, "image_std", c.image_std, where);
  c.do_convert_rgb = io::get_or<bool>(j, "do_convert_rgb", c.do_convert_rgb, where);
  for (auto& [k, v] : j.items())
    if (!known_fields().count(k)) c.extra[k] = v;
  c.validate(where);
  return c;
}

ImageProcessorConfig ImageProcessorConfig::load(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string file = fs::is_directory(path) ? (fs::path(path) / "preprocessor_config.json").string() : path;
  return from_json(io::read_json_file(file), file);
}

nlohmann::json ImageProcessorConfig::to_json() const {
  nlohmann::json j = extra;
  auto channels = [](const std::vector<double>& v) { return v.size() == 1 ? nlohmann::json(v[0]) : nlohmann::json(v); };
  j["image_processor_type"] = kType;
  j["do_resize"] = do_resize;
  j["size"] = {{"shortest_edge", min_pixels}, {"longest_edge", max_pixels}};
  j["min_pixels"] = min_pixels;
  j["max_pixels"] = max_pixels;
  j["patch_size"] = patch_size;
  j["temporal_patch_size"] = temporal_patch_size;
  j["merge_size"] = merge_size;
  j["resample"] = resample;
  j["do_rescale"] = do_rescale;
  j["rescale_factor"] = rescale_factor;
  j["do_normalize"] = do_normalize;
  j["image_mean"] = channels(image_mean);
  j["image_std"] = channels(image_std);
  j["do_convert_rgb"] = do_convert_rgb;
  return j;
}

void ImageProcessorConfig::save(const std::string& path) const {
  namespace fs = std::filesystem;
  const std::string file = fs::is_directory(path) ? (fs::path(path) / "preprocessor_config.json").string() : path;
  io::write_json_file(file, to_json());
}

}  // namespace vlsi::model::qwen2_vl
