#include "vlsi/model/qwen2_vl/image_processor.h"

#include <algorithm>
#include <cmath>

#include "vlsi/image/pillow_resize.h"
#include "vlsi/io/error.h"
#include "vlsi/io/limits.h"

namespace vlsi::model::qwen2_vl {

namespace {

constexpr const char* kWhere = "Qwen2VLImageProcessor";
// Python divides its exact integers with one rounding; doubles match it while
// height * width stays exact (2^53), and factor * side stays far from int64's end.
constexpr int64_t kMaxExact = int64_t(1) << 53;
constexpr int64_t kMaxSide = (int64_t(1) << 31) - 1;
constexpr int64_t kMaxFactor = int64_t(1) << 20;

// _preprocess's reshape and transpose of the frames [T, C, H, W] into rows of
// (C, temporal, patch_y, patch_x), the rows ordered by merge block then by the
// merge_size x merge_size patches inside it.
torch::Tensor flatten_patches(const torch::Tensor& frames, const ImageProcessorConfig& c) {
  const int64_t t = c.temporal_patch_size, p = c.patch_size, m = c.merge_size;
  const int64_t ch = frames.size(1), grid_t = frames.size(0) / t;
  const int64_t grid_h = frames.size(2) / p, grid_w = frames.size(3) / p;
  return frames.reshape({grid_t, t, ch, grid_h / m, m, p, grid_w / m, m, p})
      .permute({0, 3, 6, 4, 7, 2, 1, 5, 8})
      .reshape({grid_t * grid_h * grid_w, ch * t * p * p});
}

}  // namespace

ResizedSize smart_resize(int64_t height, int64_t width, int64_t factor, int64_t min_pixels, int64_t max_pixels) {
  check(height > 0 && width > 0, "smart_resize: an image of ", height, "x", width, " has no pixels");
  check(height <= kMaxSide && width <= kMaxSide && height * width <= kMaxExact, "smart_resize: an image of ", height,
        "x", width, " is too large");
  check(factor > 0 && factor <= kMaxFactor && min_pixels >= 0 && max_pixels > 0, "smart_resize: factor ", factor,
        ", min_pixels ", min_pixels, ", max_pixels ", max_pixels, " are out of range");
  const double ratio = double(std::max(height, width)) / double(std::min(height, width));
  check(ratio <= 200, "smart_resize: absolute aspect ratio must be smaller than 200, got ", ratio, " (", height,
        "x", width, ")");
  const double h = double(height), w = double(width), f = double(factor);
  // Python's round(): half to even, as nearbyint in the default rounding mode.
  int64_t h_bar = int64_t(std::nearbyint(h / f)) * factor;
  int64_t w_bar = int64_t(std::nearbyint(w / f)) * factor;
  if (h_bar * w_bar > max_pixels) {
    const double beta = std::sqrt(double(height * width) / double(max_pixels));
    h_bar = std::max(factor, int64_t(std::floor(h / beta / f)) * factor);
    w_bar = std::max(factor, int64_t(std::floor(w / beta / f)) * factor);
  } else if (h_bar * w_bar < min_pixels) {
    const double beta = std::sqrt(double(min_pixels) / double(height * width));
    const double hc = std::ceil(h * beta / f), wc = std::ceil(w * beta / f);
    check(hc * f <= double(kMaxSide) && wc * f <= double(kMaxSide), "smart_resize: min_pixels ", min_pixels,
          " scales ", height, "x", width, " beyond ", kMaxSide, " pixels a side");
    h_bar = int64_t(hc) * factor;
    w_bar = int64_t(wc) * factor;
  }
  // transformers returns 0 here (min_pixels 0, a side under factor / 2) and its resize then fails.
  check(h_bar > 0 && w_bar > 0, "smart_resize: ", height, "x", width, " resizes to ", h_bar, "x", w_bar,
        ": height and width must be > 0 (raise min_pixels)");
  return {h_bar, w_bar};
}

ResizedSize processed_size(int64_t height, int64_t width, const ImageProcessorConfig& c) {
  ResizedSize s{height, width};
  if (c.do_resize) {
    s = smart_resize(height, width, c.factor(), c.min_pixels, c.max_pixels);
  } else {
    check(height > 0 && width > 0 && height % c.factor() == 0 && width % c.factor() == 0, kWhere, ": without ",
          "do_resize an image's sides must be multiples of patch_size * merge_size = ", c.factor(), ", got ", height,
          "x", width);
  }
  const int64_t most = io::limit_value(io::limits::kImagePixels);
  check(double(s.height) * double(s.width) <= double(most), kWhere, ": an image of ", height, "x", width,
        " would be processed at ", s.height, "x", s.width, ", over the limit on image pixels",
        io::limit_note(io::limits::kImagePixels));
  return s;
}

std::array<int64_t, 3> image_grid_thw(int64_t height, int64_t width, const ImageProcessorConfig& c) {
  const ResizedSize s = processed_size(height, width, c);
  // One image padded to temporal_patch_size frames makes one temporal group.
  return {1, s.height / c.patch_size, s.width / c.patch_size};
}

int64_t image_token_count(int64_t height, int64_t width, const ImageProcessorConfig& c) {
  const auto thw = image_grid_thw(height, width, c);
  return thw[0] * thw[1] * thw[2] / (c.merge_size * c.merge_size);
}

ProcessedImages process_images(const std::vector<image::Image>& images, const ImageProcessorConfig& c) {
  std::vector<torch::Tensor> rows;
  std::vector<int64_t> grids;
  for (const image::Image& img : images) {
    check(img.width > 0 && img.height > 0 && img.rgb.size() == size_t(img.width) * img.height * 3, kWhere,
          ": empty or inconsistent image (", img.width, "x", img.height, ")");
    const ResizedSize s = processed_size(img.height, img.width, c);
    // transformers resizes even at the same size; Pillow then copies.
    const image::Image resized =
        c.do_resize ? image::pillow_resize(img, int(s.width), int(s.height), image::Resample(c.resample)) : img;
    torch::Tensor chw = torch::empty({3, s.height, s.width}, torch::kFloat32);
    c.to_chw(resized, chw.data_ptr<float>());  // rescale, normalize
    rows.push_back(flatten_patches(chw.unsqueeze(0).expand({c.temporal_patch_size, 3, s.height, s.width}), c));
    for (int64_t v : image_grid_thw(img.height, img.width, c)) grids.push_back(v);
  }
  ProcessedImages out;
  const int64_t row = 3 * c.temporal_patch_size * c.patch_size * c.patch_size;
  out.pixel_values = rows.empty() ? torch::empty({0, row}, torch::kFloat32) : torch::cat(rows);
  out.image_grid_thw = torch::tensor(grids, torch::kInt64).view({-1, 3});
  return out;
}

}  // namespace vlsi::model::qwen2_vl
