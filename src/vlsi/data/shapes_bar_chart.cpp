#include "vlsi/data/shapes_bar_chart.h"

#include "vlsi/data/shapes_draw.h"
#include "vlsi/io/error.h"

namespace vlsi::data::shapes {

Image draw_bar_chart(const std::vector<Bar>& bars, int size) {
  check(!bars.empty(), "shapes: a bar chart needs at least one bar");
  const int k = int(bars.size());
  Image img(size, size);
  fill(img, kBackground);
  // The geometry (and the order of the fills, which blend) is that of
  // generator version 2: its charts stay pixel-identical.
  const double left = 0.10 * size, right = 0.95 * size, top = 0.06 * size, bottom = 0.92 * size;
  const double unit = (bottom - top) / 6.3;
  for (int v = 1; v <= 6; ++v) fill_rect(img, left, bottom - v * unit - 0.5, right, bottom - v * unit + 0.5, Rgb{200, 200, 200});
  const double slot = (right - left) / k;
  for (int i = 0; i < k; ++i) {
    const double x0 = left + (i + 0.19) * slot;
    fill_rect(img, x0, bottom - bars[i].value * unit, x0 + 0.62 * slot, bottom, palette()[bars[i].colour].rgb);
  }
  fill_rect(img, left, bottom, right, bottom + 1.0, Rgb{80, 80, 80});
  fill_rect(img, left - 1.0, top, left, bottom + 1.0, Rgb{80, 80, 80});
  return img;
}

std::string describe_bars(const std::vector<Bar>& bars) {
  std::string out;
  for (size_t i = 0; i < bars.size(); ++i)
    out += (i ? ", " : "") + palette()[bars[i].colour].name + " " + std::to_string(bars[i].value);
  return out;
}

}  // namespace vlsi::data::shapes
