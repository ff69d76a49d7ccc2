#pragma once
// A scene of the shapes benchmark: coloured shapes at random, non-overlapping
// positions on a plain background.
#include <functional>
#include <string>
#include <vector>

#include "vlsi/data/rng.h"
#include "vlsi/data/shapes_draw.h"

namespace vlsi::data::shapes {

struct Object {
  ShapeKind kind = ShapeKind::circle;
  int colour = 0;  // index into palette()
  double x = 0, y = 0, r = 0;
};

// The image a scene is drawn on. grid = 0 places objects freely; grid = N
// centres each object in its own cell of an N x N grid (objects fill most of
// the cell), so with a vision patch of size/N pixels every object is seen by
// exactly one patch.
struct Canvas {
  int size = 64;
  int grid = 0;
};

// Extra condition on the positions of the objects placed so far (e.g. "the
// first object is left of the second"); checked once all are placed.
using LayoutRule = std::function<bool(const std::vector<Object>&)>;

// Gives every object a radius (smaller when the scene is crowded) and a
// position that keeps it inside the image and apart from the others (in its
// own grid cell when canvas.grid > 0). Returns false when no layout satisfying
// `rule` was found; the caller retries.
bool layout_objects(std::vector<Object>& objs, Rng& rng, const Canvas& canvas, const LayoutRule& rule = nullptr);

Image render_objects(const std::vector<Object>& objs, int size);

// "red circle, blue square, ...": the objects from left to right (top to
// bottom within a grid column). Used as a
// dense training target (every object's colour and shape, in spatial order).
std::string describe_objects(std::vector<Object> objs);

}  // namespace vlsi::data::shapes
