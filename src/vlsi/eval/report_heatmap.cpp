#include "vlsi/eval/report_heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "vlsi/eval/report_markup.h"
#include "vlsi/io/error.h"

namespace vlsi::eval {

MatchHeatmap match_heatmap(const std::vector<MatchEvent>& events, int64_t rows, int64_t cols, double from_fraction,
                           double to_fraction) {
  check(rows > 0 && cols > 0, "match heatmap: needs at least one row and column, got ", rows, "x", cols);
  MatchHeatmap map;
  map.share.assign(size_t(rows), std::vector<double>(size_t(cols), 0.0));
  map.row_samples.assign(size_t(rows), 0);
  std::vector<int64_t> steps;
  for (const MatchEvent& e : events) steps.push_back(e.step);
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  if (steps.empty()) return map;
  const double n = double(steps.size());
  size_t lo = size_t(std::floor(std::clamp(from_fraction, 0.0, 1.0) * n));
  size_t hi = size_t(std::ceil(std::clamp(to_fraction, 0.0, 1.0) * n));
  lo = std::min(lo, steps.size() - 1);
  hi = std::clamp(hi, lo + 1, steps.size());
  map.first_step = steps[lo];
  map.last_step = steps[hi - 1];
  for (const MatchEvent& e : events) {
    if (e.step < map.first_step || e.step > map.last_step) continue;
    ++map.events;
    for (size_t r = 0; r < e.matched.size() && r < size_t(rows); ++r) {
      int64_t c = e.matched[r];
      if (c < 0 || c >= cols) continue;
      map.share[r][size_t(c)] += 1.0;
      ++map.row_samples[r];
    }
  }
  for (size_t r = 0; r < size_t(rows); ++r)
    if (map.row_samples[r] > 0)
      for (double& v : map.share[r]) v /= double(map.row_samples[r]);
  return map;
}

std::vector<std::string> layer_labels(const std::vector<int64_t>& layers, int64_t count) {
  std::vector<std::string> labels;
  const bool known = int64_t(layers.size()) == count;
  for (int64_t i = 0; i < count; ++i) labels.push_back(known ? "L" + std::to_string(layers[size_t(i)]) : "#" + std::to_string(i));
  return labels;
}

void heat_color(double share, uint8_t rgb[3]) {
  const double t = std::sqrt(std::clamp(share, 0.0, 1.0));  // sqrt: small shares stay visible
  const double lo[3] = {255, 255, 255}, hi[3] = {8, 48, 107};
  for (int c = 0; c < 3; ++c) rgb[c] = uint8_t(std::lround(lo[c] + (hi[c] - lo[c]) * t));
}

std::string render_heatmap_svg(const MatchHeatmap& map) {
  const int cell = 34, left = 56, top = 58;
  const int rows = int(map.share.size()), cols = rows ? int(map.share[0].size()) : 0;
  // Wide enough for the footer lines even when the matrix is small.
  const int width = std::max(left + cols * cell + 16, 300), height = top + rows * cell + 46;
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" width=\"" << width << "\" height=\"" << height
    << "\" viewBox=\"0 0 " << width << " " << height << "\" font-family=\"sans-serif\" font-size=\"10\">\n";
  o << "<title>" << html_escape(map.title) << "</title>\n";
  o << "<rect x=\"0\" y=\"0\" width=\"" << width << "\" height=\"" << height << "\" fill=\"#ffffff\"/>\n";
  o << "<text x=\"4\" y=\"14\" font-size=\"12\" font-weight=\"bold\">" << html_escape(map.title) << "</text>\n";
  o << "<text x=\"" << left + cols * cell / 2 << "\" y=\"" << top - 20 << "\" text-anchor=\"middle\">teacher target layer</text>\n";
  for (int c = 0; c < cols; ++c)
    o << "<text x=\"" << left + c * cell + cell / 2 << "\" y=\"" << top - 6 << "\" text-anchor=\"middle\">"
      << html_escape(map.col_labels.size() > size_t(c) ? map.col_labels[size_t(c)] : std::to_string(c)) << "</text>";
  o << "\n";
  for (int r = 0; r < rows; ++r) {
    o << "<text x=\"" << left - 6 << "\" y=\"" << top + r * cell + cell / 2 + 4 << "\" text-anchor=\"end\">"
      << html_escape(map.row_labels.size() > size_t(r) ? map.row_labels[size_t(r)] : std::to_string(r)) << "</text>";
    for (int c = 0; c < cols; ++c) {
      double v = map.share[size_t(r)][size_t(c)];
      uint8_t rgb[3];
      heat_color(v, rgb);
      char fill[8];
      std::snprintf(fill, sizeof fill, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
      o << "<rect class=\"cell\" x=\"" << left + c * cell << "\" y=\"" << top + r * cell << "\" width=\"" << cell
        << "\" height=\"" << cell << "\" fill=\"" << fill << "\" stroke=\"#dddddd\"><title>"
        << html_escape((map.row_labels.size() > size_t(r) ? map.row_labels[size_t(r)] : "") + " -> " +
                       (map.col_labels.size() > size_t(c) ? map.col_labels[size_t(c)] : ""))
        << ": " << std::lround(v * 100) << "%</title></rect>";
      if (v >= 0.005)
        o << "<text x=\"" << left + c * cell + cell / 2 << "\" y=\"" << top + r * cell + cell / 2 + 4
          << "\" text-anchor=\"middle\" fill=\"" << (v > 0.35 ? "#ffffff" : "#000000") << "\">" << std::lround(v * 100)
          << "</text>";
    }
    o << "\n";
  }
  o << "<text x=\"4\" y=\"" << top + rows * cell + 16 << "\">rows: student target layer; cells: % matched</text>\n";
  o << "<text x=\"4\" y=\"" << top + rows * cell + 32 << "\">steps " << map.first_step << "-" << map.last_step << ", "
    << map.events << " micro-batches</text>\n";
  o << "</svg>";
  return o.str();
}

data::Image render_heatmap_image(const MatchHeatmap& map, int cell_px) {
  const int rows = int(map.share.size()), cols = rows ? int(map.share[0].size()) : 0;
  check(rows > 0 && cols > 0 && cell_px > 0, "heatmap image: empty heatmap");
  data::Image img(cols * cell_px + 1, rows * cell_px + 1, 200);  // grid colour shows through the 1-px gaps
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      uint8_t rgb[3];
      heat_color(map.share[size_t(r)][size_t(c)], rgb);
      for (int y = r * cell_px + 1; y < (r + 1) * cell_px; ++y)
        for (int x = c * cell_px + 1; x < (c + 1) * cell_px; ++x) {
          uint8_t* p = img.pixel(x, y);
          p[0] = rgb[0], p[1] = rgb[1], p[2] = rgb[2];
        }
    }
  return img;
}

}  // namespace vlsi::eval
