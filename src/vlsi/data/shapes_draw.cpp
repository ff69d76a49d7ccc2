#include "vlsi/data/shapes_draw.h"

#include <algorithm>
#include <cmath>

namespace vlsi::data::shapes {

const std::vector<NamedColour>& palette() {
  static const std::vector<NamedColour> p = {
      {"red", {215, 40, 40}},     {"green", {40, 160, 70}},   {"blue", {40, 90, 215}},
      {"yellow", {235, 195, 20}}, {"purple", {145, 70, 190}}, {"orange", {245, 135, 25}},
  };
  return p;
}

const std::vector<ShapeKind>& all_shapes() {
  static const std::vector<ShapeKind> s = {ShapeKind::circle, ShapeKind::square, ShapeKind::triangle,
                                           ShapeKind::diamond, ShapeKind::star};
  return s;
}

const char* shape_name(ShapeKind k) {
  switch (k) {
    case ShapeKind::circle: return "circle";
    case ShapeKind::square: return "square";
    case ShapeKind::triangle: return "triangle";
    case ShapeKind::diamond: return "diamond";
    case ShapeKind::star: return "star";
  }
  return "?";
}

const char* shape_plural(ShapeKind k) {
  switch (k) {
    case ShapeKind::circle: return "circles";
    case ShapeKind::square: return "squares";
    case ShapeKind::triangle: return "triangles";
    case ShapeKind::diamond: return "diamonds";
    case ShapeKind::star: return "stars";
  }
  return "?";
}

namespace {

// Shapes in units of their radius; sizes are set so that all kinds look
// about equally big (similar area) at the same radius.
constexpr double kSquareHalf = 0.85;
constexpr double kDiamondHalf = 1.15;
constexpr double kTriangleR = 1.25;  // circumradius
constexpr double kStarOuter = 1.3;
constexpr double kStarInner = 0.55;

struct Pt {
  double x, y;
};

std::vector<Pt> regular_polygon(int n, double r, double start_deg) {
  std::vector<Pt> v;
  for (int i = 0; i < n; ++i) {
    double a = (start_deg + 360.0 * i / n) * M_PI / 180.0;
    v.push_back({r * std::cos(a), r * std::sin(a)});
  }
  return v;
}

const std::vector<Pt>& triangle_pts() {
  // Apex up: y grows downward in images, so the apex is at angle -90 degrees.
  static const std::vector<Pt> v = regular_polygon(3, kTriangleR, -90.0);
  return v;
}

const std::vector<Pt>& star_pts() {
  static const std::vector<Pt> v = [] {
    std::vector<Pt> s;
    for (int i = 0; i < 10; ++i) {
      double r = i % 2 == 0 ? kStarOuter : kStarInner;
      double a = (-90.0 + 36.0 * i) * M_PI / 180.0;
      s.push_back({r * std::cos(a), r * std::sin(a)});
    }
    return s;
  }();
  return v;
}

// Even-odd rule, correct for the concave star too.
bool in_polygon(const std::vector<Pt>& poly, double x, double y) {
  bool inside = false;
  for (size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
    const Pt& a = poly[i];
    const Pt& b = poly[j];
    if ((a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

bool inside(ShapeKind k, double u, double v) {
  switch (k) {
    case ShapeKind::circle: return u * u + v * v <= 1.0;
    case ShapeKind::square: return std::fabs(u) <= kSquareHalf && std::fabs(v) <= kSquareHalf;
    case ShapeKind::diamond: return std::fabs(u) + std::fabs(v) <= kDiamondHalf;
    case ShapeKind::triangle: return in_polygon(triangle_pts(), u, v);
    case ShapeKind::star: return in_polygon(star_pts(), u, v);
  }
  return false;
}

inline void blend(Image& img, int x, int y, Rgb c, double alpha) {
  if (alpha <= 0.0 || x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  alpha = std::min(alpha, 1.0);
  uint8_t* p = img.pixel(x, y);
  const uint8_t src[3] = {c.r, c.g, c.b};
  for (int i = 0; i < 3; ++i) p[i] = uint8_t(std::lround(p[i] + (src[i] - p[i]) * alpha));
}

}  // namespace

double shape_extent(ShapeKind k, double radius) {
  switch (k) {
    case ShapeKind::circle: return radius;
    case ShapeKind::square: return radius * kSquareHalf * std::sqrt(2.0);
    case ShapeKind::diamond: return radius * kDiamondHalf;
    case ShapeKind::triangle: return radius * kTriangleR;
    case ShapeKind::star: return radius * kStarOuter;
  }
  return radius;
}

void fill(Image& img, Rgb c) {
  for (size_t i = 0; i < img.rgb.size(); i += 3) {
    img.rgb[i] = c.r;
    img.rgb[i + 1] = c.g;
    img.rgb[i + 2] = c.b;
  }
}

void draw_shape(Image& img, ShapeKind k, double cx, double cy, double radius, Rgb c) {
  constexpr int kSub = 4;  // 4x4 subsamples per pixel
  const double ext = shape_extent(k, radius) + 1.0;
  const int x0 = std::max(0, int(std::floor(cx - ext))), x1 = std::min(img.width - 1, int(std::ceil(cx + ext)));
  const int y0 = std::max(0, int(std::floor(cy - ext))), y1 = std::min(img.height - 1, int(std::ceil(cy + ext)));
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      int hits = 0;
      for (int sy = 0; sy < kSub; ++sy) {
        const double v = (y + (sy + 0.5) / kSub - cy) / radius;
        for (int sx = 0; sx < kSub; ++sx) hits += inside(k, (x + (sx + 0.5) / kSub - cx) / radius, v);
      }
      blend(img, x, y, c, double(hits) / (kSub * kSub));
    }
  }
}

void fill_rect(Image& img, double x0, double y0, double x1, double y1, Rgb c) {
  const int ix0 = std::max(0, int(std::floor(x0))), ix1 = std::min(img.width - 1, int(std::ceil(x1)));
  const int iy0 = std::max(0, int(std::floor(y0))), iy1 = std::min(img.height - 1, int(std::ceil(y1)));
  for (int y = iy0; y <= iy1; ++y) {
    const double cov_y = std::min(y + 1.0, y1) - std::max(double(y), y0);
    if (cov_y <= 0) continue;
    for (int x = ix0; x <= ix1; ++x) {
      const double cov_x = std::min(x + 1.0, x1) - std::max(double(x), x0);
      if (cov_x > 0) blend(img, x, y, c, cov_x * cov_y);
    }
  }
}

void draw_question_mark(Image& img, double cx, double cy, double height, Rgb c) {
  static const char* kGlyph[7] = {".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."};
  const double cell = height / 7.0;
  const double left = cx - 2.5 * cell, top = cy - 3.5 * cell;
  for (int r = 0; r < 7; ++r)
    for (int col = 0; col < 5; ++col)
      if (kGlyph[r][col] == '#')
        fill_rect(img, left + col * cell, top + r * cell, left + (col + 1) * cell, top + (r + 1) * cell, c);
}

}  // namespace vlsi::data::shapes
