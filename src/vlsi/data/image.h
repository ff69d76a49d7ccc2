#pragma once
// 8-bit RGB images: decoding (PNG/JPEG via stb), Pillow-compatible bicubic
// resizing, normalisation into the float tensor a vision encoder takes, and
// PNG writing for the benchmark generator.
#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vlsi::data {

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

// Decodes PNG/JPEG (any channel count, converted to RGB; alpha is dropped,
// like Pillow's convert("RGB")). `where` names the source in the error.
Image decode_image(const std::string& bytes, const std::string& where);
Image load_image(const std::string& path);
// Reads only the header: true if stb recognises the file as a decodable image.
bool probe_image(const std::string& path, int* width = nullptr, int* height = nullptr);

// Bicubic resampling matching Pillow's Image.resize((w, h), Image.BICUBIC):
// separable cubic (a = -0.5) whose support widens by the downscale factor
// (antialiasing), 22-bit fixed-point coefficients, horizontal pass first with
// an 8-bit intermediate.
Image resize_bicubic(const Image& src, int width, int height);

// PNG bytes of the image (deterministic: same pixels -> same bytes).
std::string encode_png(const Image& img);
void write_png(const std::string& path, const Image& img);

// How pixels become a vision-encoder input: resize to height x width (bicubic),
// scale by `rescale`, then (x - mean) / std per channel.
struct ImageTransform {
  int height = 224;
  int width = 224;
  double rescale = 1.0 / 255.0;
  std::array<float, 3> mean{0.5f, 0.5f, 0.5f};
  std::array<float, 3> std{0.5f, 0.5f, 0.5f};
};

// [3, H, W] float32 tensor, contiguous.
torch::Tensor image_to_tensor(const Image& img, const ImageTransform& t);

}  // namespace vlsi::data
