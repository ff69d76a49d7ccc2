#include <gtest/gtest.h>

#include <regex>

#include "report_fixture.h"
#include "vlsi/data/image.h"
#include "vlsi/eval/report_charts.h"
#include "vlsi/eval/report_heatmap.h"

using namespace vlsi;
using namespace vlsi::eval;

TEST(ReportHeatmap, SharesSumToOnePerRowAndWindowsDiffer) {
  std::vector<MatchEvent> events;
  for (int64_t s = 1; s <= 100; ++s) {
    events.push_back({s, {0, s % 2 == 0 ? 1 : 2, 4}});
    events.push_back({s, {1, 3, -1}});  // -1: unused, not counted
  }
  for (int64_t s = 91; s <= 100; ++s) events.push_back({s, {2, 3, 5}});
  auto start = match_heatmap(events, 3, 6, 0.0, 0.1);
  auto end = match_heatmap(events, 3, 6, 0.9, 1.0);
  EXPECT_EQ(start.first_step, 1);
  EXPECT_EQ(start.last_step, 10);
  EXPECT_EQ(start.events, 20);
  EXPECT_EQ(end.first_step, 91);
  EXPECT_EQ(end.events, 30);
  for (auto* m : {&start, &end})
    for (size_t r = 0; r < 3; ++r) {
      double sum = 0;
      for (double v : m->share[r]) sum += v;
      EXPECT_NEAR(sum, 1.0, 1e-12) << "row " << r;
    }
  EXPECT_DOUBLE_EQ(start.share[0][0], 0.5);
  EXPECT_DOUBLE_EQ(start.share[2][4], 1.0);
  EXPECT_EQ(start.row_samples[2], 10);
  EXPECT_DOUBLE_EQ(end.share[2][5], 0.5);
  EXPECT_NEAR(end.share[1][3], 2.0 / 3.0, 1e-12);
}

TEST(ReportHeatmap, SvgHasOneRectPerCellAndLabels) {
  std::vector<MatchEvent> events = {{1, {0, 2}}, {2, {1, 2}}};
  auto m = match_heatmap(events, 2, 3, 0.0, 1.0);
  m.row_labels = layer_labels({2, 6}, 2);
  m.col_labels = layer_labels({}, 3);
  m.title = "a <b> title";
  std::string svg = render_heatmap_svg(m);
  std::regex cell("<rect class=\"cell\"");
  EXPECT_EQ(std::distance(std::sregex_iterator(svg.begin(), svg.end(), cell), std::sregex_iterator()), 6);
  EXPECT_NE(svg.find(">L6<"), std::string::npos);
  EXPECT_NE(svg.find(">#2<"), std::string::npos);
  EXPECT_NE(svg.find("a &lt;b&gt; title"), std::string::npos);
}

TEST(ReportHeatmap, PngIsWrittenAndDecodes) {
  std::string dir = report_testing::scratch_dir();
  std::vector<MatchEvent> events = {{1, {0, 1}}, {2, {0, 2}}};
  auto m = match_heatmap(events, 2, 3, 0.0, 1.0);
  data::write_png(dir + "/h.png", render_heatmap_image(m, 10));
  data::Image img = data::load_image(dir + "/h.png");
  EXPECT_EQ(img.width, 31);
  EXPECT_EQ(img.height, 21);
  uint8_t full[3], empty[3];
  heat_color(1.0, full);
  heat_color(0.0, empty);
  const uint8_t* p = img.pixel(5, 5);  // row 0, column 0: share 1
  EXPECT_EQ(p[0], full[0]);
  EXPECT_EQ(p[2], full[2]);
  const uint8_t* q = img.pixel(25, 5);  // row 0, column 2: share 0
  EXPECT_EQ(q[0], empty[0]);
  EXPECT_EQ(q[1], 255);
}

TEST(ReportHeatmap, StageHeatmapsUseRecordedLayersOrFallBack) {
  StageMetrics stage;
  stage.name = "distill/interact";
  for (int64_t s = 1; s <= 20; ++s) stage.matches.push_back({s, {0, 1, 2}});
  StageHeatmaps maps;
  ASSERT_TRUE(stage_match_heatmaps(stage, &maps));
  EXPECT_EQ(maps.start.col_labels, (std::vector<std::string>{"#0", "#1", "#2"}));
  EXPECT_FALSE(maps.note.empty());
  stage.student_layers = {2, 6, 10};
  stage.teacher_layers = {2, 6, 10, 14, 18};
  ASSERT_TRUE(stage_match_heatmaps(stage, &maps));
  EXPECT_TRUE(maps.note.empty());
  EXPECT_EQ(maps.end.share[0].size(), 5u);
  EXPECT_EQ(maps.end.row_labels.back(), "L10");
  EXPECT_EQ(maps.end.col_labels.back(), "L18");
  stage.matches.clear();
  EXPECT_FALSE(stage_match_heatmaps(stage, &maps));
}
