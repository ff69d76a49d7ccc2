#pragma once
// Anti-aliased rasterisation of the benchmark's primitives (shapes, bars,
// a "?" glyph) onto an RGB image: coverage is measured per pixel (4x4
// subsamples for shapes, exact area for rectangles) and blended over what is
// already there, so small shapes keep clean, recognisable outlines.
#include <cstdint>
#include <string>
#include <vector>

#include "vlsi/data/image.h"

namespace vlsi::data::shapes {

enum class ShapeKind { circle, square, triangle, diamond, star };

struct Rgb {
  uint8_t r, g, b;
};

struct NamedColour {
  std::string name;
  Rgb rgb;
};

// The palette, chosen to stay distinct after anti-aliasing at small sizes.
const std::vector<NamedColour>& palette();
const std::vector<ShapeKind>& all_shapes();
const char* shape_name(ShapeKind k);         // "circle"
const char* shape_plural(ShapeKind k);       // "circles"
inline constexpr Rgb kBackground{240, 240, 240};

// Bounding radius of a shape drawn with `radius` (stars and triangles reach
// a bit beyond it), used to keep shapes apart.
double shape_extent(ShapeKind k, double radius);

void fill(Image& img, Rgb c);
void draw_shape(Image& img, ShapeKind k, double cx, double cy, double radius, Rgb c);
// Axis-aligned rectangle [x0, x1] x [y0, y1] in pixel units (pixel i spans [i, i+1]).
void fill_rect(Image& img, double x0, double y0, double x1, double y1, Rgb c);
// A "?" whose 5x7 glyph is `height` pixels tall, centred at (cx, cy).
void draw_question_mark(Image& img, double cx, double cy, double height, Rgb c);

}  // namespace vlsi::data::shapes
