#include <gtest/gtest.h>

#include "report_fixture.h"
#include "vlsi/eval/report_data.h"
#include "vlsi/io/error.h"

using namespace vlsi;
using namespace vlsi::eval;
using report_testing::scratch_dir;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(ReportData, MalformedMetricsLineNamesFileAndLine) {
  std::string dir = scratch_dir();
  std::string path = dir + "/metrics.jsonl";
  io::write_file_atomic(path, "{\"step\":1,\"loss\":2}\n\n{\"step\":2,\"loss\":}\n");
  std::string msg = error_of([&] { read_stage_metrics(path, "x"); });
  EXPECT_NE(msg.find(path + ":3:18: invalid JSON"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;

  io::write_file_atomic(path, "{\"step\":1}\n{\"loss\":2}\n");
  msg = error_of([&] { read_stage_metrics(path, "x"); });
  EXPECT_NE(msg.find(path + ":2: field 'step'"), std::string::npos) << msg;
  io::write_file_atomic(path, "[1,2]\n");
  msg = error_of([&] { read_stage_metrics(path, "x"); });
  EXPECT_NE(msg.find(path + ":1: expected a JSON object"), std::string::npos) << msg;
}

TEST(ReportData, SplitsCurvesAndReadsMatchedEvents) {
  std::string dir = scratch_dir();
  std::string path = dir + "/metrics.jsonl";
  io::write_file_atomic(path,
                        "{\"split\":\"train\",\"step\":1,\"loss\":2.5,\"lr\":0.1,\"ms\":{\"forward\":3},"
                        "\"events\":[{\"matched\":[0,2]},{\"teacher_index\":[1,3],\"temperature\":[null,1]}]}\n"
                        "{\"split\":\"val\",\"step\":1,\"val_loss\":2.7,\"val_ce_layer_2\":1.0}\n"
                        "{\"step\":2,\"loss\":2.0,\"lr\":0.2,\"ce_layer_2\":1.5,\"events\":[[1,-1]]}\n");
  StageMetrics m = read_stage_metrics(path, "distill");
  EXPECT_EQ(m.lines, 3);
  ASSERT_EQ(m.train["loss"].size(), 2u);
  EXPECT_DOUBLE_EQ(m.train["loss"][1].value, 2.0);
  EXPECT_DOUBLE_EQ(m.val["loss"][0].value, 2.7);
  EXPECT_EQ(m.val.count("ce_layer_2"), 1u);
  EXPECT_EQ(m.train.count("ms"), 0u);
  ASSERT_EQ(m.matches.size(), 3u);
  EXPECT_EQ(m.matches[1].matched, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(m.matches[2].step, 2);
  EXPECT_EQ(m.matches[2].matched, (std::vector<int64_t>{1, -1}));
}

TEST(ReportData, ScansAnyLayoutAndFindsTargetLayers) {
  std::string dir = scratch_dir();
  report_testing::make_synthetic_run(dir, 40);
  // A third stage whose lists live nested in config.json, and a checkpoint copy that must be ignored.
  io::make_dirs(dir + "/x/y/checkpoints/step-1");
  io::write_file_atomic(dir + "/x/y/checkpoints/step-1/metrics.jsonl", "garbage\n");
  io::write_file_atomic(dir + "/x/y/metrics.jsonl", "{\"step\":1,\"loss\":1,\"events\":[{\"matched\":[0]}]}\n");
  io::write_json_file(dir + "/x/y/config.json",
                      {{"distill", {{"student_target_layers", {3}}, {"teacher_target_layers", {1, 5}}}}});
  ReportData data = scan_run_dir(dir);
  ASSERT_EQ(data.stages.size(), 3u);
  EXPECT_EQ(data.stages[0].name, "distill/interact");
  EXPECT_EQ(data.stages[0].student_layers, report_testing::kStudentTargets);
  EXPECT_EQ(data.stages[0].teacher_layers, report_testing::kTeacherTargets);
  EXPECT_EQ(data.stages[1].name, "teacher");
  EXPECT_TRUE(data.stages[1].student_layers.empty());
  EXPECT_EQ(data.stages[2].name, "x/y");
  EXPECT_EQ(data.stages[2].teacher_layers, (std::vector<int64_t>{1, 5}));
  EXPECT_EQ(data.summaries.size(), 1u);
  EXPECT_EQ(data.results.size(), 1u);
  EXPECT_EQ(data.results[0].relative_path, "eval/student/results.json");
  EXPECT_EQ(data.ablations.size(), 1u);
  ASSERT_EQ(data.verbalized.size(), 1u);
  EXPECT_EQ(data.verbalized[0].value.size(), 1u);
}

TEST(ReportData, MissingOrEmptyRunFolderIsOneLineError) {
  std::string msg = error_of([] { scan_run_dir("/nonexistent/vlsi_run"); });
  EXPECT_EQ(msg, "/nonexistent/vlsi_run: no such run folder");
  std::string dir = scratch_dir();
  io::write_file_atomic(dir + "/notes.txt", "hello");
  msg = error_of([&] { scan_run_dir(dir); });
  EXPECT_NE(msg.find(dir + ": no metrics.jsonl"), std::string::npos) << msg;
}
