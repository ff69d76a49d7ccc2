#include "vlsi/model/image_processor_fields.h"

#include <cmath>
#include <filesystem>

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"

namespace vlsi::model {

namespace {

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

nlohmann::json channels_json(const std::vector<double>& v) {
  return v.size() == 1 ? nlohmann::json(v[0]) : nlohmann::json(v);
}

}  // namespace

void PixelNormalization::read_normalization(const nlohmann::json& j, const std::string& where) {
  do_rescale = io::get_or<bool>(j, "do_rescale", do_rescale, where);
  rescale_factor = io::get_or<double>(j, "rescale_factor", rescale_factor, where);
  do_normalize = io::get_or<bool>(j, "do_normalize", do_normalize, where);
  image_mean = read_channels(j, "image_mean", image_mean, where);
  image_std = read_channels(j, "image_std", image_std, where);
  validate_normalization(where);
}

void PixelNormalization::validate_normalization(const std::string& where) const {
  check(std::isfinite(rescale_factor), where, ": field 'rescale_factor': expected a finite number, got ",
        rescale_factor);
  for (const auto* v : {&image_mean, &image_std}) {
    const char* field = v == &image_mean ? "image_mean" : "image_std";
    check(v->size() == 1 || v->size() == 3, where, ": field '", field, "': expected 1 or 3 values, got ", v->size());
    for (double x : *v) check(std::isfinite(x), where, ": field '", field, "': values must be finite");
  }
  for (double s : image_std) check(s != 0.0, where, ": field 'image_std': values must be non-zero");
}

void PixelNormalization::write_normalization(nlohmann::json& j) const {
  j["do_rescale"] = do_rescale;
  j["rescale_factor"] = rescale_factor;
  j["do_normalize"] = do_normalize;
  j["image_mean"] = channels_json(image_mean);
  j["image_std"] = channels_json(image_std);
}

// numpy's arithmetic: rescale as float32(float64(v) * factor), then
// (x - mean) / std in float32; normalize alone casts the uint8 to float32 first.
void PixelNormalization::to_chw(const image::Image& img, float* dst) const {
  const size_t plane = size_t(img.width) * img.height;
  for (int ch = 0; ch < 3; ++ch) {
    const float m = float(mean(ch)), s = float(std_dev(ch));
    const uint8_t* p = img.rgb.data() + ch;
    float* o = dst + ch * plane;
    for (size_t i = 0; i < plane; ++i, p += 3) {
      float v = do_rescale ? float(double(*p) * rescale_factor) : float(*p);
      if (do_normalize) v = (v - m) / s;
      o[i] = v;
    }
  }
}

std::string preprocessor_config_file(const std::string& path) {
  namespace fs = std::filesystem;
  return fs::is_directory(path) ? (fs::path(path) / "preprocessor_config.json").string() : path;
}

nlohmann::json unknown_fields(const nlohmann::json& j, const std::set<std::string>& known) {
  nlohmann::json out = nlohmann::json::object();
  for (auto& [k, v] : j.items())
    if (!known.count(k)) out[k] = v;
  return out;
}

}  // namespace vlsi::model
