#include "vlsi/model/llava_onevision/image_processor.h"

#include <algorithm>
#include <cstring>

#include "vlsi/io/error.h"
#include "vlsi/image/pillow_resize.h"

namespace vlsi::model::llava_onevision {

namespace {

using image::Image;
using image::pillow_resize;
using image::Resample;

constexpr const char* kWhere = "LlavaOnevisionImageProcessor";

Image resize(const Image& img, Resolution to, const ImageProcessorConfig& c) {
  return pillow_resize(img, int(to.width), int(to.height), Resample(c.resample));
}

// Rectangle [y, y + h) x [x, x + w) of `img`, clipped like numpy slicing.
Image crop(const Image& img, int y, int x, int h, int w) {
  h = std::min(h, img.height - y);
  w = std::min(w, img.width - x);
  Image out(w, h);
  for (int r = 0; r < h; ++r) std::memcpy(out.pixel(0, r), img.pixel(x, y + r), size_t(w) * 3);
  return out;
}

// `img` pasted at (top, left) on a canvas of `size` filled with `fill`.
Image paste(const Image& img, Resolution size, int top, int left, const uint8_t fill[3]) {
  Image out(int(size.width), int(size.height));
  for (size_t i = 0; i < out.rgb.size(); i += 3) std::memcpy(&out.rgb[i], fill, 3);
  for (int r = 0; r < img.height; ++r)
    std::memcpy(out.pixel(left, top + r), img.pixel(0, r), size_t(img.width) * 3);
  return out;
}

// get_image_patches: best pinpoint, fit, centred zero padding, tiles of side
// size.height in row-major order, and the base image resized to the tile.
std::vector<Image> anyres_tiles(const Image& img, const ImageProcessorConfig& c) {
  const Resolution original{img.height, img.width};
  const Resolution best = select_best_resolution(original, c.image_grid_pinpoints);
  const Resolution fit = fit_within(original, best);
  // _resize_for_patching and the base resize run whatever do_resize says.
  const Image resized = resize(img, fit, c);
  static const uint8_t zero[3] = {0, 0, 0};
  // The pad runs on uint8 pixels before rescale, so padding normalises as a black pixel.
  const Image padded =
      paste(resized, best, int((best.height - fit.height) / 2), int((best.width - fit.width) / 2), zero);
  const int side = int(c.tile().height);
  std::vector<Image> tiles;
  tiles.push_back(resize(img, c.tile(), c));
  for (int y = 0; y < padded.height; y += side)
    for (int x = 0; x < padded.width; x += side) tiles.push_back(crop(padded, y, x, side, side));
  return tiles;
}

// pad_to_square with background int(mean * 255) per channel.
Image square_tile(const Image& img, const ImageProcessorConfig& c) {
  if (img.height == img.width) return img;
  uint8_t fill[3];
  for (int ch = 0; ch < 3; ++ch) {
    const double v = c.mean(ch) * 255;
    check(v > -1.0 && v < 256.0, kWhere, ": image_mean ", c.mean(ch), " gives no 8-bit padding colour");
    fill[ch] = uint8_t(int(v));
  }
  const int side = std::max(img.height, img.width);
  const int top = img.width > img.height ? (side - img.height) / 2 : 0;
  const int left = img.width > img.height ? 0 : (side - img.width) / 2;
  return paste(img, {side, side}, top, left, fill);
}

}  // namespace

ProcessedImage process_image(const image::Image& img, const ImageProcessorConfig& c, bool anyres) {
  check(img.width > 0 && img.height > 0 && img.rgb.size() == size_t(img.width) * img.height * 3, kWhere,
        ": empty or inconsistent image (", img.width, "x", img.height, ")");
  std::vector<Image> tiles = anyres ? anyres_tiles(img, c) : std::vector<Image>{square_tile(img, c)};
  if (c.do_resize)
    for (Image& t : tiles) t = resize(t, c.tile(), c);
  // numpy stacks the tiles into one array: their shapes must agree.
  for (const Image& t : tiles)
    check(t.width == tiles[0].width && t.height == tiles[0].height, kWhere, ": tiles of ", tiles[0].height, "x",
          tiles[0].width, " and ", t.height, "x", t.width, " cannot stack (do_resize is false; size must divide ",
          "image_grid_pinpoints)");
  const int h = tiles[0].height, w = tiles[0].width;
  ProcessedImage out;
  out.pixel_values = torch::empty({int64_t(tiles.size()), 3, h, w}, torch::kFloat32);
  float* dst = out.pixel_values.data_ptr<float>();
  // _preprocess: rescale and normalize each tile.
  for (size_t i = 0; i < tiles.size(); ++i) c.to_chw(tiles[i], dst + i * size_t(3) * h * w);
  out.image_size = {img.height, img.width};
  out.anyres = anyres;
  return out;
}

ProcessedBatch process_batch(const std::vector<std::vector<image::Image>>& samples, const ImageProcessorConfig& c) {
  ProcessedBatch b;
  std::vector<int64_t> sizes;
  for (const auto& sample : samples) {
    if (sample.empty()) continue;  // a text-only sample
    b.batch_num_images.push_back(int64_t(sample.size()));
    for (const image::Image& img : sample) {
      ProcessedImage p = process_image(img, c, sample.size() == 1);
      b.pixel_values.push_back(p.pixel_values);
      b.anyres.push_back(p.anyres);
      sizes.push_back(p.image_size.height);
      sizes.push_back(p.image_size.width);
    }
  }
  check(!b.pixel_values.empty(), kWhere, ": no images to process");
  if (c.do_pad) {
    int64_t most = 0;
    for (auto& t : b.pixel_values) most = std::max(most, t.size(0));
    for (auto& t : b.pixel_values) {
      if (t.size(0) == most) continue;
      // Extra tiles are exact zeros (np.pad after normalisation).
      auto padded = torch::zeros({most, t.size(1), t.size(2), t.size(3)}, t.options());
      padded.narrow(0, 0, t.size(0)).copy_(t);
      t = padded;
    }
  }
  b.image_sizes = torch::tensor(sizes, torch::kInt64).view({-1, 2});
  return b;
}

ProcessedBatch process_images(const std::vector<image::Image>& images, const ImageProcessorConfig& c) {
  std::vector<std::vector<image::Image>> samples;
  for (const auto& img : images) samples.push_back({img});
  return process_batch(samples, c);
}

torch::Tensor ProcessedBatch::stacked() const {
  check(!pixel_values.empty(), kWhere, ": empty batch");
  for (auto& t : pixel_values)
    check(t.sizes() == pixel_values[0].sizes(), kWhere, ": images have ", pixel_values[0].sizes(), " and ",
          t.sizes(), " tiles; stacking needs do_pad (or equal tile counts)");
  return torch::stack(pixel_values);
}

std::vector<int64_t> batch_num_image_tokens(const ProcessedBatch& b, const ImageProcessorConfig& c,
                                            int64_t num_image_tokens, const std::string& vision_aspect_ratio,
                                            const std::string& vision_feature_select_strategy) {
  const AnyresParams p = c.anyres_params(num_image_tokens, vision_aspect_ratio, vision_feature_select_strategy);
  std::vector<int64_t> out;
  auto sizes = b.image_sizes.accessor<int64_t, 2>();
  for (size_t i = 0; i < b.anyres.size(); ++i)
    out.push_back(llava_onevision::num_image_tokens({sizes[i][0], sizes[i][1]}, p, !b.anyres[i]));
  return out;
}

}  // namespace vlsi::model::llava_onevision
