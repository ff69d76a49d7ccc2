#include "vlsi/eval/report_svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "vlsi/eval/report_markup.h"

namespace vlsi::eval {

std::vector<CurvePoint> downsample_min_max(std::vector<CurvePoint> points, size_t max_points) {
  points.erase(std::remove_if(points.begin(), points.end(),
                              [](const CurvePoint& p) { return !std::isfinite(p.step) || !std::isfinite(p.value); }),
               points.end());
  std::stable_sort(points.begin(), points.end(), [](const CurvePoint& a, const CurvePoint& b) { return a.step < b.step; });
  if (points.size() <= max_points || max_points < 2) {
    if (max_points < 2 && points.size() > max_points) points.resize(max_points);
    return points;
  }
  const size_t buckets = max_points / 2;
  std::vector<CurvePoint> out;
  out.reserve(buckets * 2);
  for (size_t b = 0; b < buckets; ++b) {
    size_t lo = points.size() * b / buckets, hi = points.size() * (b + 1) / buckets;
    if (lo >= hi) continue;
    size_t imin = lo, imax = lo;
    for (size_t i = lo; i < hi; ++i) {
      if (points[i].value < points[imin].value) imin = i;
      if (points[i].value > points[imax].value) imax = i;
    }
    // Emit in step order so the polyline does not double back.
    out.push_back(points[std::min(imin, imax)]);
    if (imin != imax) out.push_back(points[std::max(imin, imax)]);
  }
  return out;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) return {lo};
  double raw = (hi - lo) / std::max(1, target);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    if (ticks.size() > 50) break;
  }
  return ticks;
}

std::string format_number(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
  char buf[64];
  double a = std::abs(v);
  if (a == 0) return "0";
  if (a >= 1e9 || a < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  } else if (a >= 1000 || (v == std::floor(v))) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    int decimals = std::max(0, 3 - int(std::floor(std::log10(a))));
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    // Trailing zeros say nothing: 0.2500 -> 0.25.
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
      s.erase(s.find_last_not_of('0') + 1);
      if (s.back() == '.') s.pop_back();
    }
    return s;
  }
  return buf;
}

std::string format_tick(double v, double spacing) {
  if (!(spacing > 0) || !std::isfinite(spacing)) return format_number(v);
  char buf[64];
  if (spacing < 1e-4 || std::max(std::abs(v), spacing) >= 1e9) {
    const double spacing_exp = std::floor(std::log10(spacing));
    const double mantissa = spacing / std::pow(10.0, spacing_exp);  // 2.5 for 2.5e-6: one more digit
    int digits = std::max(0, int(std::floor(std::log10(std::max(std::abs(v), spacing))) - spacing_exp)) +
                 (std::abs(mantissa - std::round(mantissa)) > 1e-6 ? 1 : 0);
    std::snprintf(buf, sizeof buf, "%.*e", std::min(digits, 12), v);
    return buf;
  }
  int decimals = std::max(0, int(std::ceil(-std::log10(spacing) - 1e-9)));
  // 0.25 needs two decimals, 2.5 one: add until the spacing is exact.
  while (decimals < 12) {
    double scaled = spacing * std::pow(10.0, decimals);
    if (std::abs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled)) break;
    ++decimals;
  }
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::abs(v) < spacing * 1e-9 ? 0.0 : v);
  return buf;
}

std::string series_color(size_t i, size_t n, bool sequential) {
  static const char* kDistinct[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  if (!sequential) return kDistinct[i % 10];
  // Viridis-like ramp from yellow-green (early layers) to dark purple (late layers).
  static const double kStops[][3] = {{253, 231, 37}, {94, 201, 98}, {33, 145, 140}, {59, 82, 139}, {68, 1, 84}};
  double t = n <= 1 ? 0.0 : double(i) / double(n - 1);
  double pos = t * 4.0;
  int k = std::min(3, int(pos));
  double f = pos - k;
  char buf[8];
  int rgb[3];
  for (int c = 0; c < 3; ++c) rgb[c] = int(std::lround(kStops[k][c] + (kStops[k + 1][c] - kStops[k][c]) * f));
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  return buf;
}

namespace {
std::string coord(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}
}  // namespace

std::string render_line_chart_svg(const LineChart& chart, const ChartLayout& layout) {
  std::vector<std::vector<CurvePoint>> thinned;
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const ChartSeries& s : chart.series) {
    thinned.push_back(downsample_min_max(s.points, layout.max_points));
    for (const CurvePoint& p : thinned.back()) {
      x0 = std::min(x0, p.step), x1 = std::max(x1, p.step);
      y0 = std::min(y0, p.value), y1 = std::max(y1, p.value);
    }
  }
  const bool empty = !std::isfinite(x0);
  if (empty) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 == x0) x0 -= 0.5, x1 += 0.5;
  if (y1 == y0) {
    double pad = std::abs(y0) > 0 ? std::abs(y0) * 0.05 : 0.5;
    y0 -= pad, y1 += pad;
  }
  std::vector<double> yt = nice_ticks(y0, y1), xt = nice_ticks(x0, x1);
  // Widen the y range to whole ticks so the grid frames the data.
  double ystep = yt.size() > 1 ? yt[1] - yt[0] : 0;
  if (ystep > 0) {
    if (yt.front() > y0 + 1e-12) yt.insert(yt.begin(), yt.front() - ystep);
    if (yt.back() < y1 - 1e-12) yt.push_back(yt.back() + ystep);
    y0 = yt.front(), y1 = yt.back();
  }

  const double left = layout.margin_left, top = layout.margin_top;
  const double pw = layout.width - layout.margin_left - layout.margin_right, ph = layout.plot_height;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return top + ph - (y - y0) / (y1 - y0) * ph; };

  // Legend items as wide as the longest name (about 6.5 px per character at 11 px).
  size_t longest = 0;
  for (const ChartSeries& s : chart.series) longest = std::max(longest, s.name.size());
  const double item_width = std::clamp(28.0 + 6.5 * double(longest), 90.0, pw);
  const int per_row = std::max(1, int(pw / item_width));
  const int legend_rows = chart.series.size() > 1 ? int((chart.series.size() + per_row - 1) / per_row) : 0;
  const int legend_top = layout.margin_top + layout.plot_height + layout.margin_bottom + 8;  // below the x label
  const int height = legend_top + legend_rows * 16 - (legend_rows ? 4 : 8);

  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" << layout.width << "\" height=\"" << height
    << "\" viewBox=\"0 0 " << layout.width << " " << height << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o << "<title>" << html_escape(chart.title) << "</title>\n";
  o << "<rect x=\"0\" y=\"0\" width=\"" << layout.width << "\" height=\"" << height << "\" fill=\"#ffffff\"/>\n";
  o << "<text x=\"" << coord(left) << "\" y=\"16\" font-size=\"13\" font-weight=\"bold\">" << html_escape(chart.title)
    << "</text>\n";
  o << "<rect class=\"plot\" x=\"" << coord(left) << "\" y=\"" << coord(top) << "\" width=\"" << coord(pw)
    << "\" height=\"" << coord(ph) << "\" fill=\"#fafafa\" stroke=\"#999\"/>\n";
  for (double t : yt) {
    o << "<line x1=\"" << coord(left) << "\" x2=\"" << coord(left + pw) << "\" y1=\"" << coord(py(t)) << "\" y2=\""
      << coord(py(t)) << "\" stroke=\"#e0e0e0\"/>";
    o << "<text x=\"" << coord(left - 4) << "\" y=\"" << coord(py(t) + 4) << "\" text-anchor=\"end\">"
      << format_tick(t, ystep) << "</text>\n";
  }
  const double xstep = xt.size() > 1 ? xt[1] - xt[0] : 0;
  for (double t : xt) {
    if (t < x0 - 1e-9 || t > x1 + 1e-9) continue;
    o << "<text x=\"" << coord(px(t)) << "\" y=\"" << coord(top + ph + 14) << "\" text-anchor=\"middle\">"
      << format_tick(t, xstep) << "</text>\n";
  }
  o << "<text x=\"" << coord(left + pw / 2) << "\" y=\"" << coord(top + ph + 30) << "\" text-anchor=\"middle\">"
    << html_escape(chart.x_label) << "</text>\n";
  if (!chart.y_label.empty())
    o << "<text transform=\"translate(12," << coord(top + ph / 2) << ") rotate(-90)\" text-anchor=\"middle\">"
      << html_escape(chart.y_label) << "</text>\n";
  if (empty)
    o << "<text x=\"" << coord(left + pw / 2) << "\" y=\"" << coord(top + ph / 2) << "\" text-anchor=\"middle\" "
      << "fill=\"#999\">no data</text>\n";

  for (size_t i = 0; i < chart.series.size(); ++i) {
    const ChartSeries& s = chart.series[i];
    const std::string color = series_color(i, chart.series.size(), chart.sequential_colors);
    const auto& pts = thinned[i];
    if (!pts.empty()) {
      o << "<polyline class=\"series\" data-name=\"" << html_escape(s.name) << "\" fill=\"none\" stroke=\"" << color
        << "\" stroke-width=\"1.5\"" << (s.dashed ? " stroke-dasharray=\"5,3\"" : "") << " points=\"";
      for (size_t k = 0; k < pts.size(); ++k) o << (k ? " " : "") << coord(px(pts[k].step)) << "," << coord(py(pts[k].value));
      o << "\"/>\n";
      if (s.markers)
        for (const CurvePoint& p : pts)
          o << "<circle cx=\"" << coord(px(p.step)) << "\" cy=\"" << coord(py(p.value)) << "\" r=\"2.5\" fill=\""
            << color << "\"/>";
    }
    if (legend_rows > 0) {
      double lx = left + double(i % per_row) * item_width, ly = legend_top + double(i / per_row) * 16;
      o << "<line x1=\"" << coord(lx) << "\" x2=\"" << coord(lx + 16) << "\" y1=\"" << coord(ly - 4) << "\" y2=\""
        << coord(ly - 4) << "\" stroke=\"" << color << "\" stroke-width=\"2\""
        << (s.dashed ? " stroke-dasharray=\"4,2\"" : "") << "/>";
      o << "<text x=\"" << coord(lx + 20) << "\" y=\"" << coord(ly) << "\">" << html_escape(s.name) << "</text>\n";
    }
  }
  o << "</svg>";
  return o.str();
}

}  // namespace vlsi::eval
