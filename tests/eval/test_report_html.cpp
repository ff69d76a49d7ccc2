#include <gtest/gtest.h>

#include "../cli/cli_runner.h"
#include "report_fixture.h"
#include "vlsi/eval/report_html.h"
#include "vlsi/eval/report_markup.h"
#include "vlsi/eval/report_samples.h"
#include "vlsi/eval/report_tables.h"

using namespace vlsi;
using namespace vlsi::eval;
using nlohmann::json;
using test_support::count_of;

TEST(ReportHtml, Escaping) {
  EXPECT_EQ(html_escape("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  EXPECT_EQ(html_escape("plain ü text"), "plain ü text");
  EXPECT_EQ(slug("distill/interact"), "distill-interact");
  EXPECT_EQ(slug("."), "run");
}

TEST(ReportHtml, JsonTablesForSummaryAndColumnsRows) {
  json summary = {{"models", {{"student", {{"categories", {{"chart", 0.25}}}, {"overall", 0.3}}},
                              {"teacher", {{"categories", {{"chart", 0.5}}}, {"overall", 0.6}}}}},
                  {"seed", 0}};
  std::string html = render_json_tables(summary, "");
  EXPECT_NE(html.find("<th>chart</th>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>teacher</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td class=\"num\">0.25</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>seed</td>"), std::string::npos) << html;

  // json::array: nlohmann would read [["a<b", 0.5], ...] written as nested braces as an object.
  json ablation = {{"columns", {"variant", "score"}},
                   {"rows", json::array({json::array({"a<b", 0.5}), json::array({"c", 0.25})})}};
  html = render_json_tables(ablation, "ablation");
  EXPECT_NE(html.find("<th>variant</th><th>score</th>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>a&lt;b</td><td class=\"num\">0.5</td>"), std::string::npos) << html;
}

TEST(ReportHtml, MarkdownTables) {
  std::string html = render_markdown("# Ablation\n\n| variant | acc |\n|---|--:|\n| full | 0.4 |\n| a \\| b | <0.3> |\ntext & more\n");
  EXPECT_NE(html.find("<h4>Ablation</h4>"), std::string::npos) << html;
  EXPECT_NE(html.find("<th>variant</th><th>acc</th>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>a | b</td><td>&lt;0.3&gt;</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<p>text &amp; more</p>"), std::string::npos) << html;
  EXPECT_EQ(count_of(html, "<tr>"), 3u);
}

TEST(ReportHtml, VerbalizedSamplesAreEscapedAndLimited) {
  json samples = json::array();
  for (int i = 0; i < 5; ++i)
    samples.push_back({{"id", "s" + std::to_string(i)}, {"question", "<script>alert(1)</script>"}, {"answer", "x"},
                       {"layers", {{{"layer", 2}, {"text", "a&b"}}}}});
  std::string html = render_verbalized_samples(samples, "v.jsonl", 3);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("showing the first 3"), std::string::npos);
  EXPECT_EQ(count_of(html, "class=\"sample\""), 3u);
  EXPECT_NE(html.find("<td>a&amp;b</td>"), std::string::npos);
}

TEST(ReportHtml, VerbalizeCommandJsonShape) {
  json sample = {{"prompt", "What colour?"},
                 {"image", "img/1.png"},
                 {"student", {{"model", "runs/s"}, {"layers", {{{"layer", 6}, {"head", "verbalizer"}, {"text", "red"}},
                                                               {{"layer", 11}, {"head", "final"}, {"text", "blue"}}}}}},
                 {"teacher", {{"model", "runs/t"}, {"layers", {{{"layer", 14}, {"head", "verbalizer"}, {"text", "red"}}}}}}};
  std::string html = render_verbalized_samples(json::array({sample}), "verbalized.json", 8);
  EXPECT_NE(html.find("<td>What colour?</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<caption>student (runs/s)</caption>"), std::string::npos) << html;
  EXPECT_NE(html.find("<caption>teacher (runs/t)</caption>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>final</td><td>blue</td>"), std::string::npos) << html;
}

TEST(ReportHtml, WholePageForSyntheticRun) {
  std::string dir = report_testing::scratch_dir();
  report_testing::make_synthetic_run(dir, 100);
  ReportOptions opts;
  opts.run_dir = dir;
  ReportOutcome r = write_report(opts);
  EXPECT_EQ(r.html_path, dir + "/report.html");
  EXPECT_EQ(r.stages, 2u);
  ASSERT_EQ(r.heatmaps.size(), 2u);
  EXPECT_EQ(r.heatmaps[0].path, dir + "/report-distill-interact-match-start.png");
  EXPECT_TRUE(io::file_exists(r.heatmaps[1].path));
  std::string html = io::read_file(r.html_path);
  EXPECT_EQ(count_of(html, "<script"), 0u);
  EXPECT_EQ(count_of(html, "http://") + count_of(html, "https://"), count_of(html, "xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_EQ(count_of(html, "<rect class=\"cell\""), 2u * 3u * 6u);
  EXPECT_NE(html.find("ce per layer (verbalization loss)"), std::string::npos);
  EXPECT_NE(html.find("data-name=\"layer 10\""), std::string::npos);
  EXPECT_NE(html.find("data-name=\"val loss\""), std::string::npos);
  EXPECT_NE(html.find("How many &lt;circles&gt;?"), std::string::npos);
  EXPECT_NE(html.find("&lt;ablated&gt;"), std::string::npos);
  EXPECT_NE(html.find("eval/student/results.json"), std::string::npos);
}
