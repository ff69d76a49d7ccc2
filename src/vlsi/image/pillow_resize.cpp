#include "vlsi/image/pillow_resize.h"

#include <cmath>

#include "vlsi/io/error.h"

namespace vlsi::image {

bool is_pillow_resample(int value) { return value >= 0 && value <= 5; }

namespace {


constexpr int kPrecisionBits = 32 - 8 - 2;  // Pillow's: room for 8-bit data, sign and overshoot
constexpr double kPi = 3.14159265358979323846;

double box_filter(double x) { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }

double bilinear_filter(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double hamming_filter(double x) {
  x = std::fabs(x);
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x = x * kPi;
  // Pillow writes the window constants as float literals; keep their rounding.
  return std::sin(x) / x * (0.54f + 0.46f * std::cos(x));
}

double bicubic_filter(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

double sinc(double x) {
  if (x == 0.0) return 1.0;
  x = x * kPi;
  return std::sin(x) / x;
}

double lanczos_filter(double x) { return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3) : 0.0; }

struct Filter {
  double (*fn)(double);
  double support;
};

Filter filter_for(Resample r) {
  switch (r) {
    case Resample::kBox: return {box_filter, 0.5};
    case Resample::kBilinear: return {bilinear_filter, 1.0};
    case Resample::kHamming: return {hamming_filter, 1.0};
    case Resample::kBicubic: return {bicubic_filter, 2.0};
    case Resample::kLanczos: return {lanczos_filter, 3.0};
    default: fail("resample: filter ", int(r), " has no convolution kernel");
  }
}

// Per output index: first input index, input count, `ksize` fixed-point weights.
struct Coefficients {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;
};

// Pillow's precompute_coeffs + normalize_coeffs_8bpc. The kernel argument is
// multiplied by 1/filterscale (not divided by filterscale) as Pillow does; the
// two differ in the last bit, which can flip a rounded weight.
Coefficients make_coefficients(int in_size, int out_size, const Filter& f) {
  const double scale = double(in_size) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = f.support * filterscale;
  Coefficients c;
  c.ksize = int(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.weights.assign(size_t(out_size) * c.ksize, 0);
  std::vector<double> w(c.ksize);
  const double ss = 1.0 / filterscale;
  for (int o = 0; o < out_size; ++o) {
    const double center = (o + 0.5) * scale;
    int lo = int(center - support + 0.5);  // truncation toward zero, as Pillow's cast
    if (lo < 0) lo = 0;
    int hi = int(center + support + 0.5);
    if (hi > in_size) hi = in_size;
    const int n = hi - lo;
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
      w[i] = f.fn((i + lo - center + 0.5) * ss);
      total += w[i];
    }
    for (int i = 0; i < n; ++i) {
      const double v = total != 0.0 ? w[i] / total : w[i];
      c.weights[size_t(o) * c.ksize + i] = v < 0 ? int(-0.5 + v * (1 << kPrecisionBits))
                                                 : int(0.5 + v * (1 << kPrecisionBits));
    }
    c.first[o] = lo;
    c.count[o] = n;
  }
  return c;
}

inline uint8_t clip8(int32_t acc) {
  const int v = acc >> kPrecisionBits;
  return uint8_t(v < 0 ? 0 : (v > 255 ? 255 : v));
}

Image convolve(const Image& src, int width, int height, const Filter& f) {
  const bool horizontal = width != src.width;
  const bool vertical = height != src.height;
  Coefficients ver = make_coefficients(src.height, height, f);
  // Only the source rows the vertical pass reads go through the horizontal pass.
  const int row_first = ver.first[0];
  const int row_last = ver.first[height - 1] + ver.count[height - 1];

  const Image* cur = &src;
  Image tmp;
  int row_offset = 0;
  if (horizontal) {
    Coefficients hor = make_coefficients(src.width, width, f);
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
        out[x * 3 + 0] = clip8(r);
        out[x * 3 + 1] = clip8(g);
        out[x * 3 + 2] = clip8(b);
      }
    }
    cur = &tmp;
    row_offset = row_first;
  }
  if (!vertical) return horizontal ? tmp : src;

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
      dst[x] = clip8(acc);
    }
  }
  return out;
}

// Pillow's ImagingScaleAffine: source coordinates are accumulated step by step
// (not multiplied), so rounding follows the same running sum.
Image nearest(const Image& src, int width, int height) {
  auto coord = [](double v) { return v < 0.0 ? -1 : int(v); };
  const double ax = double(src.width) / width, ay = double(src.height) / height;
  std::vector<int> xin(width, -1);
  double xo = ax * 0.5;
  for (int x = 0; x < width; ++x, xo += ax) {
    const int xi = coord(xo);
    if (xi >= 0 && xi < src.width) xin[x] = xi;
  }
  Image out(width, height, 0);
  double yo = ay * 0.5;
  for (int y = 0; y < height; ++y, yo += ay) {
    const int yi = coord(yo);
    if (yi < 0 || yi >= src.height) continue;
    for (int x = 0; x < width; ++x) {
      if (xin[x] < 0) continue;
      const uint8_t* p = src.pixel(xin[x], yi);
      uint8_t* q = out.pixel(x, y);
      q[0] = p[0];
      q[1] = p[1];
      q[2] = p[2];
    }
  }
  return out;
}

}  // namespace

Image pillow_resize(const Image& src, int width, int height, Resample filter) {
  check(width > 0 && height > 0, "resize: target size must be positive, got ", width, "x", height);
  check(src.width > 0 && src.height > 0 && src.rgb.size() == size_t(src.width) * src.height * 3,
        "resize: empty or inconsistent source image");
  check(is_pillow_resample(int(filter)), "resize: resample ", int(filter), " is not a Pillow filter (0..5)");
  if (width == src.width && height == src.height) return src;
  if (filter == Resample::kNearest) return nearest(src, width, height);
  return convolve(src, width, height, filter_for(filter));
}

}  // namespace vlsi::image
