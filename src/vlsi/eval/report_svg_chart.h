#pragma once
// Line charts as inline SVG (no script, no external resources), for the
// training curves of `vlsi report`. Long series are thinned to a bounded
// number of points that keeps every bucket's minimum and maximum, so spikes
// survive and a 100k-step run still renders quickly.
#include <cstddef>
#include <string>
#include <vector>

#include "vlsi/eval/report_data.h"

namespace vlsi::eval {

struct ChartSeries {
  std::string name;
  std::vector<CurvePoint> points;  // need not be sorted; non-finite values are dropped
  bool markers = false;            // circles on the points (sparse series such as validation)
  bool dashed = false;
};

struct LineChart {
  std::string title;
  std::string x_label = "step";
  std::string y_label;
  std::vector<ChartSeries> series;
  bool sequential_colors = false;  // a light-to-dark ramp (layer order) instead of distinct hues
};

struct ChartLayout {
  int width = 600;
  int plot_height = 240;  // the legend adds rows below
  int margin_left = 76;  // room for tick labels like 1.06e-04 beside the rotated axis label
  int margin_right = 24;  // room for the last x tick label
  int margin_top = 28;
  int margin_bottom = 40;
  size_t max_points = 1000;  // per series
};

// At most `max_points` points in step order: the input sorted by step, or, when
// longer, the minimum and maximum of each of max_points / 2 equal-count buckets.
std::vector<CurvePoint> downsample_min_max(std::vector<CurvePoint> points, size_t max_points);

// Round tick values covering [lo, hi] (about `target` of them).
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

// A short label for a table number: 0.2886, 474.6, 10943, 1e-05.
std::string format_number(double v);
// A tick label with as many decimals as the tick spacing needs (1000.5 and
// 1001 stay apart; spacing below 1e-4 switches to 1.06e-04 notation).
std::string format_tick(double v, double spacing);

// <svg ...>...</svg>: one <polyline> per series with at least one point, inside
// the plot area [margin_left, width - margin_right] x [margin_top, margin_top + plot_height].
std::string render_line_chart_svg(const LineChart& chart, const ChartLayout& layout = {});

// Colour of series i of n as "#rrggbb".
std::string series_color(size_t i, size_t n, bool sequential);

}  // namespace vlsi::eval
