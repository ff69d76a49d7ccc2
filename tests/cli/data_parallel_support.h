#pragma once
// Helpers of the data-parallel tests: launching `vlsi` under the pip torch's
// torchrun, and comparing two runs' metrics and weights within a relative tolerance.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include "cli_runner.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors.h"

namespace vlsi::test_support {

inline std::string torchrun_bin() {
  return (std::filesystem::path(VLSI_PYTHON).parent_path() / "torchrun").string();
}

// `vlsi ARGS` as N processes on this machine, launched the way the README says.
// Each run picks its own port so concurrent tests do not meet.
inline CliResult run_torchrun(int nproc, const std::string& args, const std::string& env = "") {
  // 20000-28000: below the ephemeral range, apart from the other tests' ports (29000-29899)
  static int next_port = 20000 + int(::getpid() % 1000) * 8;
  const int port = next_port++;
  return run_shell(env + " OMP_NUM_THREADS=1 VLSI_DIST_TIMEOUT_S=120 " + torchrun_bin() +
                   " --no-python --nproc-per-node " + std::to_string(nproc) + " --master-port " +
                   std::to_string(port) + " " + vlsi_bin() + " " + args);
}

// The "train" records of a metrics.jsonl, by step.
inline std::map<int64_t, io::json> train_records(const std::string& path) {
  std::map<int64_t, io::json> by_step;
  std::istringstream in(io::read_file(path));
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto j = io::json::parse(line);
    if (j.value("split", "") == "train") by_step[j["step"].get<int64_t>()] = j;
  }
  return by_step;
}

inline void expect_close(double want, double got, double rel, const std::string& what) {
  EXPECT_LE(std::fabs(want - got), rel * std::max(1.0, std::fabs(want))) << what << ": " << want << " vs " << got;
}

// Same steps, losses within `rel` relative, same matched layers (events).
inline void expect_same_losses(const std::string& want_metrics, const std::string& got_metrics, double rel) {
  auto a = train_records(want_metrics), b = train_records(got_metrics);
  ASSERT_FALSE(a.empty()) << want_metrics;
  ASSERT_EQ(a.size(), b.size()) << got_metrics;
  for (const auto& [step, rec] : a) {
    ASSERT_TRUE(b.count(step)) << got_metrics << ": step " << step << " missing";
    expect_close(rec["loss"].get<double>(), b[step]["loss"].get<double>(), rel,
                 got_metrics + " loss of step " + std::to_string(step));
    EXPECT_EQ(rec["tokens"], b[step]["tokens"]) << got_metrics << " step " << step;
    if (!rec.contains("events")) continue;
    // The matched layers must be the same; the temperatures (from D's spread) agree to float noise.
    ASSERT_EQ(rec["events"].size(), b[step]["events"].size()) << got_metrics << " step " << step;
    for (size_t i = 0; i < rec["events"].size(); ++i) {
      const auto &e = rec["events"][i], f = b[step]["events"][i];
      EXPECT_EQ(e["matched"], f["matched"]) << got_metrics << " step " << step;
      for (size_t k = 0; k < e["temperature"].size(); ++k)
        expect_close(e["temperature"][k].get<double>(), f["temperature"][k].get<double>(), 1e-4,
                     got_metrics + " temperature of step " + std::to_string(step));
    }
  }
}

// The weights of every .safetensors file under `want` equal those under `got`: over
// all tensors together ||x - y|| <= rel * ||x|| (Frobenius; the issue's "final weights
// within rel"), and each tensor within 10 * rel, with ||x|| taken as at least 0.01 (a
// key bias gets no gradient and holds only summation noise around zero). Tighter
// per-tensor or element-wise bounds do not hold across CPUs: AdamW's update
// g / (sqrt(v) + eps) amplifies float-summation-order noise unevenly (one verbalizer
// tensor of the distill test differs by 2e-5 on one machine, 3e-6 on another), while
// a broken gradient sync differs by orders of magnitude more.
inline void expect_same_weights(const std::string& want, const std::string& got, double rel) {
  size_t files = 0;
  double worst = 0.0, diff_sq = 0.0, norm_sq = 0.0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(want)) {
    const std::string path = entry.path().string();
    if (path.size() < 12 || path.substr(path.size() - 12) != ".safetensors") continue;
    if (path.find("/checkpoints/") != std::string::npos) continue;
    const std::string rel_path = path.substr(want.size());
    auto a = io::load_safetensors(path), b = io::load_safetensors(got + rel_path);
    ASSERT_EQ(a.size(), b.size()) << rel_path;
    for (const auto& [name, t] : a) {
      ASSERT_TRUE(b.count(name)) << rel_path << ": " << name;
      auto x = t.to(torch::kDouble), y = b.at(name).to(torch::kDouble);
      const double diff = (x - y).norm().item<double>(), norm = std::max(1e-2, x.norm().item<double>());
      worst = std::max(worst, diff / norm);
      diff_sq += diff * diff;
      norm_sq += norm * norm;
      EXPECT_LE(diff, 10 * rel * norm) << rel_path << ": " << name;
    }
    ++files;
  }
  EXPECT_GT(files, 0u) << want << " holds no weights";
  const double overall = std::sqrt(diff_sq) / std::max(1e-30, std::sqrt(norm_sq));
  EXPECT_LE(overall, rel) << want << " vs " << got << ": all weights together";
  std::printf("[ weights  ] %s vs %s: relative difference %.2e over all weights, largest per tensor %.2e\n",
              want.c_str(), got.c_str(), overall, worst);
}

}  // namespace vlsi::test_support
