#pragma once
// The crash-safety harness (docs/reliability.md, "Crash-safe training"): runs a
// vlsi command killed in turn at each test-only kill point (VLSI_TEST_KILL_AT,
// io/kill_point.h), each time resuming the same run folder, then once more to
// the end; and compares two run folders' trained weights byte for byte and
// their metrics record for record.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/json_util.h"

namespace vlsi::test_support {

// `args` run with VLSI_TEST_KILL_AT=point for each point (each run must die by
// SIGKILL: a point that is never reached fails the test), then without it.
// Every run after the first adds --resume. Returns the last run's output.
inline std::string run_kill_chain(const std::string& args, const std::vector<std::string>& points) {
  for (size_t i = 0; i < points.size(); ++i) {
    const std::string resume = i == 0 ? "" : " --resume";
    CliResult r = run_cli_env("VLSI_TEST_KILL_AT=" + points[i], args + resume);
    // sh reports a child killed by signal 9 as 128 + 9.
    EXPECT_EQ(r.code, 137) << "kill point " << points[i] << " was not reached:\n" << r.output;
    if (r.code != 137) return r.output;
  }
  CliResult last = run_cli(args + " --resume");
  EXPECT_EQ(last.code, 0) << last.output;
  return last.output;
}

// Every file whose name ends in `suffix` under `root`, outside checkpoints/, by relative path.
inline std::map<std::string, std::string> files_ending(const std::string& root, const std::string& suffix) {
  std::map<std::string, std::string> out;
  io::walk_dir(root, 8, [&](const std::string& rel, const io::DirEntry& e) {
    if (e.is_dir) return e.name != "checkpoints";
    if (rel.size() >= suffix.size() && rel.compare(rel.size() - suffix.size(), suffix.size(), suffix) == 0)
      out[rel] = io::read_file(io::join_path(root, rel));
    return true;
  });
  return out;
}

// metrics.jsonl records without their timing fields (which differ run to run).
inline std::vector<io::json> metric_records(const std::string& text) {
  std::vector<io::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    io::json j = io::json::parse(line);
    for (const char* timing : {"ms", "tokens_per_s"}) j.erase(timing);
    out.push_back(j);
  }
  return out;
}

// The same weights (every .safetensors byte-identical) and the same metrics, step by step.
inline void expect_same_training(const std::string& reference, const std::string& resumed) {
  auto want = files_ending(reference, ".safetensors"), got = files_ending(resumed, ".safetensors");
  ASSERT_FALSE(want.empty()) << reference;
  ASSERT_EQ(want.size(), got.size());
  for (const auto& [rel, bytes] : want) {
    ASSERT_TRUE(got.count(rel)) << rel;
    EXPECT_TRUE(got.at(rel) == bytes) << rel << " differs from the uninterrupted run's";
  }
  auto want_metrics = files_ending(reference, "metrics.jsonl"), got_metrics = files_ending(resumed, "metrics.jsonl");
  ASSERT_EQ(want_metrics.size(), got_metrics.size());
  for (const auto& [rel, text] : want_metrics) {
    auto a = metric_records(text), b = metric_records(got_metrics.at(rel));
    ASSERT_EQ(a.size(), b.size()) << rel << ": a step logged twice or lost";
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << rel << " record " << i;
  }
}

}  // namespace vlsi::test_support
