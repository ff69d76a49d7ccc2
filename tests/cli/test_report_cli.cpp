// `vlsi report` end to end: the CLI on a synthetic run folder, its errors, and
// the page rendered by headless Chromium (DOM and screenshot).
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

#include "../eval/report_fixture.h"
#include "cli_runner.h"
#include "vlsi/data/image.h"
#include "vlsi/io/atomic_file.h"

using namespace vlsi;
using test_support::run_cli;

namespace {

size_t count_matches(const std::string& text, const std::string& pattern) {
  std::regex re(pattern);
  return size_t(std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

// Runs a shell command, returning its exit status; stdout goes to `out` when given.
int run_shell(const std::string& cmd, std::string* out = nullptr) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[65536];
  size_t n;
  std::string sink;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) (out ? *out : sink).append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The headless Chromium command line (Debian's `chromium`), sandbox off so it runs as root.
std::string chromium_command(const std::string& profile_dir, const std::string& extra, const std::string& url) {
  return "HOME=" + profile_dir + " timeout 180 chromium --headless --no-sandbox --disable-gpu "
         "--disable-background-networking --disable-extensions --disable-sync --no-first-run "
         "--user-data-dir=" + profile_dir + "/profile " + extra + " " + url;
}

}  // namespace

TEST(ReportCli, WritesHtmlAndHeatmapPngs) {
  std::string dir = report_testing::scratch_dir();
  report_testing::make_synthetic_run(dir + "/run");
  auto r = run_cli("report " + dir + "/run --out " + dir + "/out/page.html");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("report: 2 stages"), std::string::npos) << r.output;
  EXPECT_TRUE(io::file_exists(dir + "/out/page.html"));
  for (const char* w : {"start", "end"}) {
    std::string png = dir + "/out/page-distill-interact-match-" + std::string(w) + ".png";
    ASSERT_TRUE(io::file_exists(png)) << png;
    data::Image img = data::load_image(png);
    EXPECT_EQ(img.width, 6 * 24 + 1);
    EXPECT_EQ(img.height, 3 * 24 + 1);
  }
  // Default output location.
  auto d = run_cli("report " + dir + "/run");
  ASSERT_EQ(d.code, 0) << d.output;
  EXPECT_TRUE(io::file_exists(dir + "/run/report.html"));
}

TEST(ReportCli, ErrorsAreOneLineNamingTheFile) {
  std::string dir = report_testing::scratch_dir();
  auto missing = run_cli("report " + dir + "/nope");
  EXPECT_NE(missing.code, 0);
  EXPECT_EQ(missing.output, "error: " + dir + "/nope: no such run folder\n");

  auto empty = run_cli("report " + dir);
  EXPECT_NE(empty.code, 0);
  EXPECT_NE(empty.output.find(dir + ": no metrics.jsonl"), std::string::npos) << empty.output;
  EXPECT_EQ(empty.output.find('\n'), empty.output.size() - 1) << empty.output;

  io::make_dirs(dir + "/stage");
  io::write_file_atomic(dir + "/stage/metrics.jsonl", "{\"step\":1,\"loss\":1}\n{\"step\":2,\"loss\":1\n");
  auto bad = run_cli("report " + dir);
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.output.find(dir + "/stage/metrics.jsonl:2:"), std::string::npos) << bad.output;
  EXPECT_EQ(bad.output.find('\n'), bad.output.size() - 1) << bad.output;
}

// The browser check: the page must actually render in Chromium.
TEST(ReportBrowser, ChromiumRendersChartsAndHeatmaps) {
  if (const char* skip = std::getenv("VLSI_SKIP_BROWSER_TESTS"); skip && std::string(skip) == "1")
    GTEST_SKIP() << "VLSI_SKIP_BROWSER_TESTS=1";
  ASSERT_EQ(run_shell("command -v chromium >/dev/null 2>&1"), 0)
      << "chromium not found: install it with `bash scripts/install-deps.sh --test` "
         "(or set VLSI_SKIP_BROWSER_TESTS=1 where no browser can be installed)";
  std::string dir = report_testing::scratch_dir();
  report_testing::make_synthetic_run(dir + "/run");
  auto r = run_cli("report " + dir + "/run");
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string url = "file://" + dir + "/run/report.html";

  std::string dom;
  ASSERT_EQ(run_shell(chromium_command(dir, "--dump-dom", url) + " 2>/dev/null", &dom), 0) << "chromium --dump-dom failed";
  ASSERT_NE(dom.find("</html>"), std::string::npos) << dom.substr(0, 2000);
  // Two stages: loss, lr, tokens_per_s, grad_norm (teacher) + loss, ce per layer, lr, tokens_per_s (interact),
  // plus the two heatmaps.
  EXPECT_GE(count_matches(dom, "<svg[^>]*class=\"chart\""), 8u);
  EXPECT_EQ(count_matches(dom, "<svg[^>]*class=\"heatmap\""), 2u);
  EXPECT_GE(count_matches(dom, "<polyline[^>]* points=\"[0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+"), 10u);
  EXPECT_EQ(count_matches(dom, "<rect class=\"cell\" x=\"[0-9]+\" y=\"[0-9]+\" width=\"[0-9]+\""), 2u * 3u * 6u);
  EXPECT_NE(dom.find("How many &lt;circles&gt;?"), std::string::npos);
  EXPECT_NE(dom.find("no verbalizer"), std::string::npos);

  std::string shot = dir + "/screenshot.png";
  ASSERT_EQ(run_shell(chromium_command(dir, "--screenshot=" + shot + " --window-size=1280,4000", url) + " >/dev/null 2>&1"), 0)
      << "chromium --screenshot failed";
  ASSERT_TRUE(io::file_exists(shot));
  data::Image img = data::load_image(shot);
  EXPECT_EQ(img.width, 1280);
  size_t ink = 0, blue = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      const uint8_t* p = img.pixel(x, y);
      if (p[0] < 235 || p[1] < 235 || p[2] < 235) ++ink;
      if (p[2] > 90 && p[0] < 60 && p[1] < 90) ++blue;  // dark heatmap cells / blue curves
    }
  const double total = double(img.width) * img.height;
  EXPECT_GT(ink / total, 0.01) << ink << " non-white pixels: the page looks blank";
  EXPECT_GT(blue, 500u) << "no heatmap/curve colour in the screenshot";
}
