#pragma once
// Scratch folders and a synthetic run folder for the report tests (shared by
// tests/eval and the CLI/browser test in tests/cli).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/json_util.h"

namespace vlsi::report_testing {

using nlohmann::json;

// Folders from scratch_dir() are removed when the test binary exits
// (set VLSI_KEEP_TEST_DIRS=1 to keep them for inspection).
inline std::vector<std::string>& dirs_to_remove() {
  static std::vector<std::string> dirs;
  static const bool registered = [] {
    std::atexit([] {
      if (std::getenv("VLSI_KEEP_TEST_DIRS")) return;
      for (auto& d : dirs_to_remove()) io::remove_tree(d);
    });
    return true;
  }();
  (void)registered;
  return dirs;
}

// A fresh, empty per-test folder under /tmp.
inline std::string scratch_dir(const std::string& tag = "") {
  auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string p = "/tmp/vlsi_report_" + std::string(info->test_suite_name()) + "_" + info->name() + tag + "_" +
                  std::to_string(::getpid());
  io::remove_tree(p);
  io::make_dirs(p);
  dirs_to_remove().push_back(p);
  return p;
}

inline void write_lines(const std::string& path, const std::vector<json>& rows) {
  std::string text;
  for (auto& r : rows) text += r.dump() + "\n";
  io::write_file_atomic(path, text);
}

// Student targets [2, 6, 10] against teacher targets [2, 6, 10, 14, 18, 22].
inline const std::vector<int64_t> kStudentTargets = {2, 6, 10};
inline const std::vector<int64_t> kTeacherTargets = {2, 6, 10, 14, 18, 22};

// A run folder with two stages (teacher SFT; distill/interact with per-layer
// losses and matched events), summary.json, results.json, ablation.json and
// verbalized.jsonl. Early interaction steps match student target i to teacher
// target i, late ones to 2i + 1 (a shift the heatmaps must show).
inline void make_synthetic_run(const std::string& dir, int steps = 200) {
  std::vector<json> teacher;
  for (int s = 1; s <= steps; ++s) {
    teacher.push_back({{"split", "train"}, {"step", s}, {"loss", 3.0 * std::exp(-s / 60.0) + 0.5},
                       {"lr", 1e-3 * std::min(1.0, s / 20.0)}, {"tokens_per_s", 2000 + (s % 7) * 10}, {"grad_norm", 1.5},
                       {"ms", {{"forward", 10.0}}}});
    if (s % 50 == 0) teacher.push_back({{"split", "val"}, {"step", s}, {"val_loss", 3.0 * std::exp(-s / 60.0) + 0.6}});
  }
  io::make_dirs(dir + "/teacher");
  write_lines(dir + "/teacher/metrics.jsonl", teacher);

  std::vector<json> interact;
  for (int s = 1; s <= steps; ++s) {
    json row = {{"split", "train"}, {"step", s}, {"loss", 2.0 * std::exp(-s / 80.0) + 0.3}, {"lr", 5e-4}, {"tokens_per_s", 900}};
    for (size_t i = 0; i < kStudentTargets.size(); ++i)
      row["ce_layer_" + std::to_string(kStudentTargets[i])] = (3.0 - double(i) * 0.5) * std::exp(-s / 100.0) + 0.2;
    json events = json::array();
    for (int micro = 0; micro < 2; ++micro) {
      std::vector<int64_t> matched;
      for (int64_t i = 0; i < 3; ++i) matched.push_back(s <= steps / 2 ? i : 2 * i + 1);
      events.push_back({{"matched", matched}});
    }
    row["events"] = events;
    interact.push_back(row);
  }
  io::make_dirs(dir + "/distill/interact");
  write_lines(dir + "/distill/interact/metrics.jsonl", interact);
  io::write_json_file(dir + "/distill/interact/interact.json",
                      {{"student_target_layers", kStudentTargets}, {"teacher_target_layers", kTeacherTargets}});

  io::write_json_file(dir + "/summary.json",
                      {{"models", {{"student", {{"categories", {{"counting", 0.4}, {"chart", 0.3}}}, {"overall", 0.35}}},
                                   {"teacher", {{"categories", {{"counting", 0.7}, {"chart", 0.6}}}, {"overall", 0.65}}}}},
                       {"seed", 0}});
  io::make_dirs(dir + "/eval/student");
  io::write_json_file(dir + "/eval/student/results.json",
                      {{"model", "runs/x/student/model"},
                       {"overall", {{"accuracy", 0.35}, {"correct", 35}, {"total", 100}}},
                       {"macro_accuracy", 0.35},
                       {"categories", {{"counting", {{"accuracy", 0.4}, {"correct", 20}, {"total", 50}}},
                                       {"chart", {{"accuracy", 0.3}, {"correct", 15}, {"total", 50}}}}}});
  io::write_json_file(dir + "/ablation.json",
                      {{"columns", {"variant", "overall", "note"}},
                       {"rows", {{"full VLsI", 0.41, "ours"}, {"no verbalizer", 0.33, "<ablated>"}}}});
  write_lines(dir + "/verbalized.jsonl",
              {{{"id", "test-000001"}, {"question", "How many <circles>?"}, {"answer", "3"},
                {"layers", {{{"layer", 2}, {"text", "shape"}}, {{"layer", 6}, {"text", "circle"}}, {{"layer", 10}, {"text", "3 & more"}}}},
                {"teacher_layers", {{{"layer", 14}, {"text", "three"}}}}}});
}

}  // namespace vlsi::report_testing
