#include <gtest/gtest.h>

#include <sstream>

#include "vlsi/eval/report_svg_chart.h"

using namespace vlsi::eval;

namespace {
// The "x,y" pairs of every polyline's points attribute, per polyline. Parsed by
// hand: libstdc++'s std::regex recurses once per character of a [^"]* match,
// and a long series overflowed the stack under AddressSanitizer's larger frames.
std::vector<std::vector<std::pair<double, double>>> polylines(const std::string& svg) {
  std::vector<std::vector<std::pair<double, double>>> out;
  for (size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) {
    const size_t start = svg.find(" points=\"", at), end_tag = svg.find('>', at);
    if (start == std::string::npos || start > end_tag) continue;
    const size_t from = start + 9, to = svg.find('"', from);
    std::istringstream points(svg.substr(from, to - from));
    std::vector<std::pair<double, double>> pts;
    double x = 0, y = 0;
    char comma = 0;
    while (points >> x >> comma >> y && comma == ',') pts.push_back({x, y});
    out.push_back(pts);
  }
  return out;
}
}  // namespace

TEST(ReportChart, KnownSeriesPointCountAndBounds) {
  LineChart chart;
  chart.title = "quadratic";
  ChartSeries s{"y = x^2", {}};
  for (int x = 10; x >= 0; --x) s.points.push_back({double(x), double(x * x)});  // unsorted on purpose
  chart.series.push_back(s);
  ChartLayout layout;
  layout.width = 600;
  layout.margin_left = 64;
  layout.margin_right = 16;  // plot area 64..584 x 28..268
  layout.margin_top = 28;
  layout.plot_height = 240;
  std::string svg = render_line_chart_svg(chart, layout);
  auto lines = polylines(svg);
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0].size(), 11u);
  // Ticks 0..100 frame the data exactly: (0, 0) bottom-left, (10, 100) top-right.
  EXPECT_DOUBLE_EQ(lines[0].front().first, 64.0);
  EXPECT_DOUBLE_EQ(lines[0].front().second, 268.0);
  EXPECT_DOUBLE_EQ(lines[0].back().first, 584.0);
  EXPECT_DOUBLE_EQ(lines[0].back().second, 28.0);
  for (size_t i = 1; i < lines[0].size(); ++i) EXPECT_GT(lines[0][i].first, lines[0][i - 1].first);
  EXPECT_NE(svg.find("<title>quadratic</title>"), std::string::npos);
}

TEST(ReportChart, LongSeriesIsThinnedKeepingExtremes) {
  std::vector<CurvePoint> pts;
  for (int i = 0; i < 100000; ++i) pts.push_back({double(i), std::sin(i * 0.001)});
  pts[54321].value = 50.0;  // a spike must survive
  pts[77777].value = -50.0;
  auto thin = downsample_min_max(pts, 1000);
  EXPECT_LE(thin.size(), 1000u);
  EXPECT_GE(thin.size(), 900u);
  double hi = -1e9, lo = 1e9;
  for (auto& p : thin) hi = std::max(hi, p.value), lo = std::min(lo, p.value);
  EXPECT_EQ(hi, 50.0);
  EXPECT_EQ(lo, -50.0);

  LineChart chart;
  chart.series.push_back({"train", pts});
  chart.series.push_back({"val", {{10, 0.5}, {20, 0.25}}, true, true});
  ChartLayout layout;
  auto lines = polylines(render_line_chart_svg(chart, layout));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_LE(lines[0].size(), 1000u);
  EXPECT_EQ(lines[1].size(), 2u);
  for (auto& line : lines)
    for (auto& [x, y] : line) {
      EXPECT_GE(x, layout.margin_left - 1e-9);
      EXPECT_LE(x, layout.width - layout.margin_right + 1e-9);
      EXPECT_GE(y, layout.margin_top - 1e-9);
      EXPECT_LE(y, layout.margin_top + layout.plot_height + 1e-9);
    }
}

TEST(ReportChart, EmptyAndFlatSeries) {
  LineChart empty;
  empty.title = "nothing";
  std::string svg = render_line_chart_svg(empty);
  EXPECT_NE(svg.find("no data"), std::string::npos);
  EXPECT_EQ(svg.find("<polyline"), std::string::npos);
  LineChart flat;
  flat.series.push_back({"flat", {{1, 2.0}, {2, 2.0}, {3, std::nan("")}}});
  auto lines = polylines(render_line_chart_svg(flat));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].size(), 2u);  // the NaN is dropped
}

TEST(ReportChart, NumberFormatsAndTicks) {
  EXPECT_EQ(format_number(0.2885714285714286), "0.2886");
  EXPECT_EQ(format_number(474.587747777), "474.6");
  EXPECT_EQ(format_number(10942.647), "10943");
  EXPECT_EQ(format_number(5573888), "5573888");
  EXPECT_EQ(format_number(0.25), "0.25");
  EXPECT_EQ(format_number(1e-5), "1e-05");
  EXPECT_EQ(format_number(0), "0");
  EXPECT_EQ(format_tick(1000.5, 0.5), "1000.5");
  EXPECT_EQ(format_tick(1001, 0.5), "1001.0");
  EXPECT_EQ(format_tick(0.5, 0.25), "0.50");
  EXPECT_EQ(format_tick(40000, 20000), "40000");
  EXPECT_EQ(format_tick(1.06e-4, 2e-6), "1.06e-04");
  EXPECT_EQ(format_tick(-1e-17, 0.2), "0.0");
  auto ticks = nice_ticks(0, 1, 5);
  ASSERT_EQ(ticks.size(), 6u);
  EXPECT_DOUBLE_EQ(ticks[1], 0.2);
}
