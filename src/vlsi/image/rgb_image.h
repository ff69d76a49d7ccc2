#pragma once
// An 8-bit RGB image in memory: the one pixel type that decoding (data/),
// resizing (image/) and the model families' processors (model/) share.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace vlsi::image {

// Interleaved RGB, row-major, 3 bytes per pixel.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;

  Image() = default;
  Image(int w, int h, uint8_t fill = 0) : width(w), height(h), rgb(size_t(w) * h * 3, fill) {}
  uint8_t* pixel(int x, int y) { return rgb.data() + (size_t(y) * width + x) * 3; }
  const uint8_t* pixel(int x, int y) const { return rgb.data() + (size_t(y) * width + x) * 3; }
};

}  // namespace vlsi::image
