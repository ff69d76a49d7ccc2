#include "vlsi/data/image.h"

#include <cmath>
#include <cstring>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"

// The only translation unit that compiles stb's implementations.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>
#pragma GCC diagnostic pop

namespace vlsi::data {

Image decode_image(const std::string& bytes, const std::string& where) {
  int w = 0, h = 0, channels = 0;
  // stb's failure reason lives in a global; decoding may run on a loader
  // thread, so the reason is read right after the call on the same thread.
  stbi_uc* data = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), int(bytes.size()), &w,
                                        &h, &channels, 3);
  if (!data) fail(where, ": cannot decode image (", stbi_failure_reason(), ")");
  Image img;
  img.width = w;
  img.height = h;
  img.rgb.assign(data, data + size_t(w) * h * 3);
  stbi_image_free(data);
  return img;
}

Image load_image(const std::string& path) { return decode_image(io::read_file(path), path); }

bool probe_image(const std::string& path, int* width, int* height) {
  int w = 0, h = 0, c = 0;
  bool ok = stbi_info(path.c_str(), &w, &h, &c) == 1 && w > 0 && h > 0;
  if (width) *width = w;
  if (height) *height = h;
  return ok;
}

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // room for 8-bit data, sign and overshoot

double cubic(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// For each output index: the first contributing input index, how many inputs
// contribute, and their fixed-point weights (ksize slots per output).
struct Coefficients {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;
};

Coefficients make_coefficients(int in_size, int out_size) {
  const double scale = double(in_size) / out_size;
  // Downscaling stretches the kernel over `scale` input pixels (antialiasing).
  const double filter_scale = std::max(scale, 1.0);
  const double support = 2.0 * filter_scale;
  Coefficients c;
  c.ksize = int(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.weights.assign(size_t(out_size) * c.ksize, 0);
  std::vector<double> w(c.ksize);
  for (int o = 0; o < out_size; ++o) {
    const double center = (o + 0.5) * scale;
    // Bounds are rounded by truncation toward zero, as Pillow does.
    int lo = int(center - support + 0.5);
    if (lo < 0) lo = 0;
    int hi = int(center + support + 0.5);
    if (hi > in_size) hi = in_size;
    const int n = hi - lo;
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
      w[i] = cubic((i + lo - center + 0.5) / filter_scale);
      total += w[i];
    }
    for (int i = 0; i < n; ++i) {
      double v = total != 0.0 ? w[i] / total : w[i];
      double fixed = v * double(1 << kPrecisionBits);
      c.weights[size_t(o) * c.ksize + i] = int32_t(v < 0 ? fixed - 0.5 : fixed + 0.5);
    }
    c.first[o] = lo;
    c.count[o] = n;
  }
  return c;
}

// Fixed-point accumulator -> byte: floor-shift (the 0.5 was pre-added), clamp.
inline uint8_t to_byte(int32_t acc) {
  int v = acc >> kPrecisionBits;
  return uint8_t(v < 0 ? 0 : (v > 255 ? 255 : v));
}

}  // namespace

Image resize_bicubic(const Image& src, int width, int height) {
  check(width > 0 && height > 0, "resize: target size must be positive, got ", width, "x", height);
  check(src.width > 0 && src.height > 0, "resize: empty source image");
  const bool horizontal = width != src.width;
  const bool vertical = height != src.height;
  if (!horizontal && !vertical) return src;

  Coefficients ver = make_coefficients(src.height, height);
  // Only the rows the vertical pass reads are resampled horizontally.
  const int row_first = ver.first[0];
  const int row_last = ver.first[height - 1] + ver.count[height - 1];

  const Image* cur = &src;
  Image tmp;
  int row_offset = 0;  // index of cur's row 0 in source coordinates
  if (horizontal) {
    Coefficients hor = make_coefficients(src.width, width);
    tmp = Image(width, row_last - row_first);
    for (int y = 0; y < tmp.height; ++y) {
      const uint8_t* in = src.pixel(0, y + row_first);
      uint8_t* out = tmp.pixel(0, y);
      for (int x = 0; x < width; ++x) {
        const int32_t* k = &hor.weights[size_t(x) * hor.ksize];
        const uint8_t* p = in + size_t(hor.first[x]) * 3;
        int32_t r = 1 << (kPrecisionBits - 1), g = r, b = r;
        for (int i = 0; i < hor.count[x]; ++i, p += 3) {
          r += p[0] * k[i];
          g += p[1] * k[i];
          b += p[2] * k[i];
        }
        out[x * 3 + 0] = to_byte(r);
        out[x * 3 + 1] = to_byte(g);
        out[x * 3 + 2] = to_byte(b);
      }
    }
    cur = &tmp;
    row_offset = row_first;
  }
  if (!vertical) return tmp;

  Image out(cur->width, height);
  const size_t stride = size_t(cur->width) * 3;
  for (int y = 0; y < height; ++y) {
    const int32_t* k = &ver.weights[size_t(y) * ver.ksize];
    const uint8_t* base = cur->rgb.data() + size_t(ver.first[y] - row_offset) * stride;
    uint8_t* dst = out.pixel(0, y);
    for (size_t x = 0; x < stride; ++x) {
      int32_t acc = 1 << (kPrecisionBits - 1);
      const uint8_t* p = base + x;
      for (int i = 0; i < ver.count[y]; ++i, p += stride) acc += *p * k[i];
      dst[x] = to_byte(acc);
    }
  }
  return out;
}

std::string encode_png(const Image& img) {
  check(img.width > 0 && img.height > 0 && img.rgb.size() == size_t(img.width) * img.height * 3,
        "encode_png: image buffer does not match its ", img.width, "x", img.height, " size");
  std::string bytes;
  auto sink = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), size_t(size));
  };
  int ok = stbi_write_png_to_func(sink, &bytes, img.width, img.height, 3, img.rgb.data(), img.width * 3);
  check(ok != 0, "encode_png: stb failed to encode a ", img.width, "x", img.height, " image");
  return bytes;
}

void write_png(const std::string& path, const Image& img) { io::write_file_atomic(path, encode_png(img)); }

torch::Tensor image_to_tensor(const Image& img, const ImageTransform& t) {
  check(t.std[0] != 0 && t.std[1] != 0 && t.std[2] != 0, "image transform: std must be non-zero");
  const Image* src = &img;
  Image resized;
  if (img.width != t.width || img.height != t.height) {
    resized = resize_bicubic(img, t.width, t.height);
    src = &resized;
  }
  auto out = torch::empty({3, t.height, t.width}, torch::kFloat32);
  float* o = out.data_ptr<float>();
  const size_t plane = size_t(t.height) * t.width;
  for (int c = 0; c < 3; ++c) {
    // (v * rescale - mean) / std folded into one multiply-add per value.
    const float gain = float(t.rescale / t.std[c]);
    const float bias = -t.mean[c] / t.std[c];
    const uint8_t* p = src->rgb.data() + c;
    float* dst = o + c * plane;
    for (size_t i = 0; i < plane; ++i, p += 3) dst[i] = float(*p) * gain + bias;
  }
  return out;
}

}  // namespace vlsi::data
