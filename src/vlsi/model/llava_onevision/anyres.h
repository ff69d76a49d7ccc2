#pragma once
// LLaVA-OneVision "anyres" arithmetic, as transformers 4.57 computes it: the
// best grid pinpoint for an image, the aspect-preserving fit inside it, the
// tile grid, the unpadded feature map, the anyres_max_N downscale, and the
// image-token count the processor expands <image> into. The per-image layout
// is exposed so the model can pack features the same way.
#include <cstdint>
#include <string>
#include <vector>

namespace vlsi::model::llava_onevision {

struct Resolution {
  int64_t height = 0;
  int64_t width = 0;
  bool operator==(const Resolution& o) const { return height == o.height && width == o.width; }
};

// select_best_resolution: the pinpoint keeping the most image pixels after an
// aspect-preserving downscale, ties to the one wasting the fewest.
Resolution select_best_resolution(Resolution image, const std::vector<Resolution>& pinpoints);

// get_patch_output_size: the image's size after an aspect-preserving resize to
// fit `target` (the long side fills it, the other rounds up).
Resolution fit_within(Resolution image, Resolution target);

// Python's float floor division `a // b` (fmod-based, not floor(a / b)).
double py_floordiv(double a, double b);
// int(round(x, 7)) for x >= 0: rounds up only within 5e-8 below an integer.
int64_t py_int_round7(double x);

// N of "anyres_max_N", parsed as transformers does (str.strip of the letters
// "anyres_max_", then int). `where` names the source for the error.
int64_t max_num_patches(const std::string& vision_aspect_ratio, const std::string& where);

// What the token count needs from the processor and the model config.
struct AnyresParams {
  std::vector<Resolution> image_grid_pinpoints;
  int64_t tile_height = 384;       // processed tile size (processor size == vision image_size)
  int64_t tile_width = 384;
  int64_t num_image_tokens = 729;  // features of one tile: (image_size / patch_size)^2 for SigLIP
  std::string vision_aspect_ratio = "anyres_max_9";
  std::string vision_feature_select_strategy = "full";  // "default" drops one token (CLS)

  // From the vision tower's image_size and patch_size (no CLS token: SigLIP).
  static AnyresParams for_vision(const std::vector<Resolution>& pinpoints, int64_t image_size, int64_t patch_size,
                                 const std::string& vision_aspect_ratio = "anyres_max_9",
                                 const std::string& vision_feature_select_strategy = "full");
};

// How one image's features are laid out (pack_image_features).
struct FeatureLayout {
  bool anyres = true;            // false: a multi-image sample's single square tile
  int64_t grid_rows = 0;         // tiles of the best pinpoint, base image excluded
  int64_t grid_cols = 0;
  int64_t num_tiles = 1;         // pixel_values rows for this image: grid + base (image_size_to_num_patches)
  int64_t patches_per_side = 0;  // feature map side of one tile
  int64_t unpadded_height = 0;   // feature map after unpad_image
  int64_t unpadded_width = 0;
  bool downscaled = false;       // anyres_max_N: bilinear shrink by `ratio`
  int64_t height = 0;            // feature map after the downscale (== unpadded when none)
  int64_t width = 0;
  int64_t newline_features = 0;  // one image_newline per row (1 for a multi-image tile)
  int64_t base_features = 0;     // the base (whole-image) tile
  int64_t num_features = 0;      // base + height * width + newlines
};

// Layout of an image of size `image` (height, width) processed alone (anyres).
FeatureLayout anyres_layout(Resolution image, const AnyresParams& p);
// Layout of one image in a multi-image sample: one tile plus a newline.
FeatureLayout multi_image_layout(const AnyresParams& p);

// Image tokens <image> expands into (LlavaOnevisionProcessor._expand_image_tokens):
// the layout's feature count, minus one for the "default" select strategy.
int64_t num_image_tokens(Resolution image, const AnyresParams& p, bool multi_image = false);

}  // namespace vlsi::model::llava_onevision
