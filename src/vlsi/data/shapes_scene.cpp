#include "vlsi/data/shapes_scene.h"

#include <algorithm>
#include <cmath>

namespace vlsi::data::shapes {

namespace {

// One object per cell of a grid x grid layout, exactly centred: objects of one
// column share x, so "left to right" lists them top to bottom (describe_objects).
bool layout_on_grid(std::vector<Object>& objs, Rng& rng, const Canvas& canvas, const LayoutRule& rule) {
  const int cells = canvas.grid * canvas.grid;
  if (int(objs.size()) > cells) return false;
  const double cell = double(canvas.size) / canvas.grid;
  std::vector<int> order(cells);
  for (int i = 0; i < cells; ++i) order[i] = i;
  for (int attempt = 0; attempt < 50; ++attempt) {
    rng.shuffle(order);
    for (size_t i = 0; i < objs.size(); ++i) {
      Object& o = objs[i];
      o.r = cell * rng.uniform(0.30, 0.36);
      const double fit = 0.5 * cell - 1.0;  // keep one pixel of background around the shape
      const double ext = shape_extent(o.kind, o.r);
      if (ext > fit) o.r *= fit / ext;
      o.x = (order[i] % canvas.grid + 0.5) * cell;
      o.y = (order[i] / canvas.grid + 0.5) * cell;
    }
    if (!rule || rule(objs)) return true;
  }
  return false;
}

}  // namespace

bool layout_objects(std::vector<Object>& objs, Rng& rng, const Canvas& canvas, const LayoutRule& rule) {
  if (canvas.grid > 0) return layout_on_grid(objs, rng, canvas, rule);
  const double s = canvas.size;
  // Crowded scenes (counting up to 6 plus distractors) use smaller shapes.
  const bool crowded = objs.size() > 6;
  const double gap = std::max(1.5, 0.03 * s);
  for (int attempt = 0; attempt < 50; ++attempt) {
    bool ok = true;
    for (size_t i = 0; i < objs.size() && ok; ++i) {
      Object& o = objs[i];
      o.r = s * (crowded ? rng.uniform(0.065, 0.085) : rng.uniform(0.075, 0.10));
      const double ext = shape_extent(o.kind, o.r);
      bool placed = false;
      for (int tries = 0; tries < 200 && !placed; ++tries) {
        o.x = rng.uniform(ext + 1.0, s - ext - 1.0);
        o.y = rng.uniform(ext + 1.0, s - ext - 1.0);
        placed = true;
        for (size_t j = 0; j < i && placed; ++j) {
          const double min_d = ext + shape_extent(objs[j].kind, objs[j].r) + gap;
          placed = std::hypot(o.x - objs[j].x, o.y - objs[j].y) >= min_d;
        }
      }
      ok = placed;
    }
    if (ok && (!rule || rule(objs))) return true;
  }
  return false;
}

Image render_objects(const std::vector<Object>& objs, int size) {
  Image img(size, size);
  fill(img, kBackground);
  for (const auto& o : objs) draw_shape(img, o.kind, o.x, o.y, o.r, palette()[o.colour].rgb);
  return img;
}

std::string describe_objects(std::vector<Object> objs) {
  // Equal x happens only on a grid layout; then top to bottom.
  std::stable_sort(objs.begin(), objs.end(),
                   [](const Object& a, const Object& b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
  std::string out;
  for (const auto& o : objs) {
    if (!out.empty()) out += ", ";
    out += palette()[o.colour].name + " " + shape_name(o.kind);
  }
  return out;
}

}  // namespace vlsi::data::shapes
