#include "vlsi/model/vision_inputs.h"

#include <algorithm>
#include <numeric>

#include "vlsi/io/error.h"

namespace vlsi::model {

int64_t VisionInputs::num_tiles() const {
  return std::accumulate(tiles_per_image.begin(), tiles_per_image.end(), int64_t(0));
}

VisionInputs VisionInputs::one_tile_each(const torch::Tensor& pixel_values) {
  VisionInputs out;
  if (!pixel_values.defined() || pixel_values.size(0) == 0) return out;
  check(pixel_values.dim() == 4, "images: pixel_values must be [N, C, H, W], got ", pixel_values.sizes());
  out.pixel_values = pixel_values;
  out.tiles_per_image.assign(size_t(pixel_values.size(0)), 1);
  out.image_sizes.assign(size_t(pixel_values.size(0)), {pixel_values.size(2), pixel_values.size(3)});
  return out;
}

torch::Tensor VisionInputs::padded_pixel_values() const {
  if (empty()) return {};
  const int64_t most = *std::max_element(tiles_per_image.begin(), tiles_per_image.end());
  std::vector<int64_t> shape = {num_images(), most};
  for (int64_t d = 1; d < pixel_values.dim(); ++d) shape.push_back(pixel_values.size(d));
  torch::Tensor out = torch::zeros(shape, pixel_values.options());
  int64_t row = 0;
  for (int64_t i = 0; i < num_images(); ++i) {
    const int64_t n = tiles_per_image[size_t(i)];
    out[i].narrow(0, 0, n).copy_(pixel_values.narrow(0, row, n));
    row += n;
  }
  return out;
}

VisionInputs VisionInputs::to(torch::Device device) const {
  VisionInputs out = *this;
  if (pixel_values.defined()) out.pixel_values = pixel_values.to(device);
  return out;
}

VisionInputs VisionInputs::slice(int64_t first, int64_t count) const {
  check(first >= 0 && count >= 0 && first + count <= num_images(), "images: slice [", first, ", ", first + count,
        ") of ", num_images(), " images");
  VisionInputs out;
  if (count == 0) return out;
  int64_t row = 0;
  for (int64_t i = 0; i < first; ++i) row += tiles_per_image[size_t(i)];
  int64_t rows = 0;
  for (int64_t i = first; i < first + count; ++i) {
    rows += tiles_per_image[size_t(i)];
    out.tiles_per_image.push_back(tiles_per_image[size_t(i)]);
    out.image_sizes.push_back(image_sizes[size_t(i)]);
    if (!patch_grids.empty()) out.patch_grids.push_back(patch_grids[size_t(i)]);
  }
  out.pixel_values = pixel_values.narrow(0, row, rows);
  return out;
}

VisionInputs VisionInputs::concat(const std::vector<VisionInputs>& parts) {
  VisionInputs out;
  std::vector<torch::Tensor> pixels;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    pixels.push_back(p.pixel_values);
    out.tiles_per_image.insert(out.tiles_per_image.end(), p.tiles_per_image.begin(), p.tiles_per_image.end());
    out.image_sizes.insert(out.image_sizes.end(), p.image_sizes.begin(), p.image_sizes.end());
    out.patch_grids.insert(out.patch_grids.end(), p.patch_grids.begin(), p.patch_grids.end());
  }
  if (pixels.size() == 1) out.pixel_values = pixels[0];
  else if (!pixels.empty()) out.pixel_values = torch::cat(pixels, 0);
  return out;
}

void VisionInputs::validate(const char* where) const {
  check(tiles_per_image.size() == image_sizes.size(), where, ": ", tiles_per_image.size(), " tile counts for ",
        image_sizes.size(), " image sizes");
  check(patch_grids.empty() || patch_grids.size() == image_sizes.size(), where, ": ", patch_grids.size(),
        " patch grids for ", image_sizes.size(), " images");
  if (empty()) return;
  for (size_t i = 0; i < patch_grids.size(); ++i)
    check(patch_grids[i][0] * patch_grids[i][1] * patch_grids[i][2] == tiles_per_image[i], where, ": image ", i,
          " has a patch grid of ", patch_grids[i][0] * patch_grids[i][1] * patch_grids[i][2], " patches but ",
          tiles_per_image[i], " rows of pixel_values");
  check(pixel_values.defined(), where, ": ", num_images(), " image(s) but no pixel_values");
  for (int64_t t : tiles_per_image) check(t > 0, where, ": an image with ", t, " tiles");
  check(pixel_values.size(0) == num_tiles(), where, ": pixel_values has ", pixel_values.size(0), " tiles, the images ",
        num_tiles());
}

}  // namespace vlsi::model
