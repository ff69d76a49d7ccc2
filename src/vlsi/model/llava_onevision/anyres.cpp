#include "vlsi/model/llava_onevision/anyres.h"

#include <cmath>
#include <limits>

#include "vlsi/io/error.h"

namespace vlsi::model::llava_onevision {

Resolution select_best_resolution(Resolution image, const std::vector<Resolution>& pinpoints) {
  check(image.height > 0 && image.width > 0, "select_best_resolution: image size must be positive, got ",
        image.height, "x", image.width);
  check(!pinpoints.empty(), "select_best_resolution: image_grid_pinpoints is empty");
  Resolution best{};
  int64_t max_effective = 0;
  double min_wasted = std::numeric_limits<double>::infinity();
  const int64_t original_area = image.height * image.width;
  for (const Resolution& r : pinpoints) {
    const double scale = std::min(double(r.width) / double(image.width), double(r.height) / double(image.height));
    const int64_t down_w = int64_t(double(image.width) * scale);  // int() truncates toward zero
    const int64_t down_h = int64_t(double(image.height) * scale);
    const int64_t effective = std::min(down_w * down_h, original_area);
    const double wasted = double(r.width * r.height - effective);
    if (effective > max_effective || (effective == max_effective && wasted < min_wasted)) {
      max_effective = effective;
      min_wasted = wasted;
      best = r;
    }
  }
  // Every candidate keeps zero pixels only for absurd aspect ratios; Python returns None there.
  check(best.height > 0, "select_best_resolution: no pinpoint fits a ", image.height, "x", image.width, " image");
  return best;
}

Resolution fit_within(Resolution image, Resolution target) {
  const double scale_w = double(target.width) / double(image.width);
  const double scale_h = double(target.height) / double(image.height);
  if (scale_w < scale_h) {
    return {std::min(int64_t(std::ceil(double(image.height) * scale_w)), target.height), target.width};
  }
  return {target.height, std::min(int64_t(std::ceil(double(image.width) * scale_h)), target.width)};
}

double py_floordiv(double a, double b) {
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0.0 && ((b < 0) != (mod < 0))) div -= 1.0;
  if (div == 0.0) return std::copysign(0.0, a / b);
  double floordiv = std::floor(div);
  if (div - floordiv > 0.5) floordiv += 1.0;
  return floordiv;
}

int64_t py_int_round7(double x) {
  // round(x, 7) reaches the next integer only from within 0.5e-7 below it;
  // x - floor(x) is exact, so the comparison sees x's true fraction.
  double f = std::floor(x);
  if (x - f >= 1.0 - 5e-8) f += 1.0;
  return int64_t(f);
}

int64_t max_num_patches(const std::string& vision_aspect_ratio, const std::string& where) {
  static const std::string letters = "anyres_max_";
  const size_t lo = vision_aspect_ratio.find_first_not_of(letters);
  const size_t hi = vision_aspect_ratio.find_last_not_of(letters);
  std::string digits = lo == std::string::npos ? "" : vision_aspect_ratio.substr(lo, hi - lo + 1);
  size_t start = (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) ? 1 : 0;
  bool ok = digits.size() > start && digits.size() - start <= 9;
  for (size_t i = start; ok && i < digits.size(); ++i) ok = digits[i] >= '0' && digits[i] <= '9';
  check(ok, where, ": vision_aspect_ratio '", vision_aspect_ratio, "': expected \"anyres_max_N\"");
  const int64_t n = std::stoll(digits);
  check(n > 0, where, ": vision_aspect_ratio '", vision_aspect_ratio, "': N must be positive");
  return n;
}

AnyresParams AnyresParams::for_vision(const std::vector<Resolution>& pinpoints, int64_t image_size,
                                      int64_t patch_size, const std::string& vision_aspect_ratio,
                                      const std::string& vision_feature_select_strategy) {
  check(image_size > 0 && patch_size > 0, "anyres: image_size and patch_size must be positive, got ", image_size,
        " and ", patch_size);
  AnyresParams p;
  p.image_grid_pinpoints = pinpoints;
  p.tile_height = p.tile_width = image_size;
  p.num_image_tokens = (image_size / patch_size) * (image_size / patch_size);
  p.vision_aspect_ratio = vision_aspect_ratio;
  p.vision_feature_select_strategy = vision_feature_select_strategy;
  return p;
}

namespace {

void check_params(const AnyresParams& p) {
  check(p.tile_height > 0 && p.tile_width > 0, "anyres: tile size must be positive, got ", p.tile_height, "x",
        p.tile_width);
  check(p.num_image_tokens > 0, "anyres: num_image_tokens must be positive, got ", p.num_image_tokens);
  check(p.vision_feature_select_strategy == "default" || p.vision_feature_select_strategy == "full",
        "anyres: vision_feature_select_strategy '", p.vision_feature_select_strategy,
        "': expected \"default\" or \"full\"");
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

FeatureLayout anyres_layout(Resolution image, const AnyresParams& p) {
  check_params(p);
  const Resolution best = select_best_resolution(image, p.image_grid_pinpoints);
  FeatureLayout l;
  l.anyres = true;
  // The processor cuts square tiles of size height with range(0, best, tile)
  // (ceil); the model views the grid as best // tile (floor). They agree for
  // pinpoints that are multiples of the tile.
  l.grid_rows = best.height / p.tile_height;
  l.grid_cols = best.width / p.tile_width;
  check(l.grid_rows > 0 && l.grid_cols > 0, "anyres: image_grid_pinpoint ", best.height, "x", best.width,
        " is smaller than the ", p.tile_height, "x", p.tile_width, " tile");
  l.num_tiles = ceil_div(best.height, p.tile_height) * ceil_div(best.width, p.tile_height) + 1;
  l.patches_per_side = int64_t(std::sqrt(double(p.num_image_tokens)));

  int64_t cur_h = l.patches_per_side * l.grid_rows;
  int64_t cur_w = l.patches_per_side * l.grid_cols;
  // unpad_image: strip the rows/columns that the centred padding added.
  const double original_aspect = double(image.width) / double(image.height);
  const double current_aspect = double(cur_w) / double(cur_h);
  if (original_aspect > current_aspect) {
    const int64_t new_h = py_int_round7(double(image.height) * (double(cur_w) / double(image.width)));
    cur_h -= 2 * ((cur_h - new_h) / 2);
  } else {
    const int64_t new_w = py_int_round7(double(image.width) * (double(cur_h) / double(image.height)));
    cur_w -= 2 * ((cur_w - new_w) / 2);
  }
  l.unpadded_height = l.height = cur_h;
  l.unpadded_width = l.width = cur_w;

  // anyres_max_N: a map larger than N tiles' worth (by over 10% in side) is
  // shrunk by the side ratio, each side floored separately.
  const int64_t n = max_num_patches(p.vision_aspect_ratio, "anyres");
  const double ratio =
      std::sqrt(double(cur_h * cur_w) / double(n * l.patches_per_side * l.patches_per_side));
  if (ratio > 1.1) {
    l.downscaled = true;
    l.height = int64_t(py_floordiv(double(cur_h), ratio));
    l.width = int64_t(py_floordiv(double(cur_w), ratio));
  }
  l.newline_features = l.height;
  l.base_features = p.num_image_tokens;
  l.num_features = l.base_features + l.height * l.width + l.newline_features;
  return l;
}

FeatureLayout multi_image_layout(const AnyresParams& p) {
  check_params(p);
  FeatureLayout l;
  l.anyres = false;
  l.num_tiles = 1;
  l.patches_per_side = int64_t(std::sqrt(double(p.num_image_tokens)));
  l.newline_features = 1;
  l.base_features = p.num_image_tokens;
  l.num_features = l.base_features + 1;
  return l;
}

int64_t num_image_tokens(Resolution image, const AnyresParams& p, bool multi_image) {
  const FeatureLayout l = multi_image ? multi_image_layout(p) : anyres_layout(image, p);
  return l.num_features - (p.vision_feature_select_strategy == "default" ? 1 : 0);
}

}  // namespace vlsi::model::llava_onevision
