#pragma once
// Matched-layer heatmaps of the interaction step (paper Figure 5): how often
// each student target layer (row) was matched to each teacher target layer
// (column) over a window of training steps. Rendered as inline SVG for the
// report and as a PNG (no text, one square per cell) beside it.
#include <cstdint>
#include <string>
#include <vector>

#include "vlsi/data/image.h"
#include "vlsi/eval/report_data.h"

namespace vlsi::eval {

struct MatchHeatmap {
  std::string title;
  std::vector<std::string> row_labels;  // student target layers
  std::vector<std::string> col_labels;  // teacher target layers
  // share[r][c]: fraction of the window's micro-batches in which student target r
  // was matched to teacher target c; each row with any match sums to 1.
  std::vector<std::vector<double>> share;
  std::vector<int64_t> row_samples;  // matches counted per row (-1 and out-of-range entries are not)
  int64_t first_step = 0, last_step = 0;
  int64_t events = 0;  // micro-batches in the window
};

// The window [from_fraction, to_fraction) of the distinct steps that carry
// events, e.g. 0..0.1 for the first 10% ("start") and 0.9..1 for the last 10%
// ("end"); it always holds at least one step. Rows = rows, columns = cols (the
// target-list lengths).
MatchHeatmap match_heatmap(const std::vector<MatchEvent>& events, int64_t rows, int64_t cols, double from_fraction,
                           double to_fraction);

// Labels "L<layer>" from the decoder-layer list when its length matches,
// otherwise "#<index>" (the list was not recorded).
std::vector<std::string> layer_labels(const std::vector<int64_t>& layers, int64_t count);

// Colour of a share in [0, 1]: white to dark blue.
void heat_color(double share, uint8_t rgb[3]);

std::string render_heatmap_svg(const MatchHeatmap& map);

// One cell_px square per cell with a 1-pixel grid, no text.
data::Image render_heatmap_image(const MatchHeatmap& map, int cell_px = 24);

}  // namespace vlsi::eval
