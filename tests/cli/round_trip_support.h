#pragma once
// Shared by the round-trip tests: `vlsi forward` files described for
// tests/cli/round_trip_reference.py (transformers and peft load what vlsi
// wrote and rerun the forward passes), and the checks on its results.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "../support/python_reference.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/read_file.h"

namespace vlsi::test_round_trip {

inline constexpr double kLogitTolerance = 1e-4;

// A forward file: what `vlsi forward` wrote for a prompt and its images.
struct ForwardRun {
  std::string file;
  std::vector<std::string> images;
  io::json spec() const { return {{"file", file}, {"images", images}}; }
};

inline io::json forward_specs(const std::vector<ForwardRun>& runs) {
  io::json out = io::json::array();
  for (const auto& r : runs) out.push_back(r.spec());
  return out;
}

// Runs one case through the reference script (its files in `dir`) and returns its result.
inline io::json run_reference(const std::string& dir, const std::string& name, io::json spec_case) {
  spec_case["name"] = name;
  const std::string spec = dir + "/" + name + "_spec.json", out = dir + "/" + name + "_result.json";
  io::write_json_file(spec, {{"cases", io::json::array({spec_case})}});
  std::string cmd = test_python::command("tests/cli/round_trip_reference.py") + spec + " " + out;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << test_python::missing_hint() << ": " << cmd;
  if (!io::file_exists(out)) return {{"error", "no result from " + cmd}};
  return io::read_json_file(out).at(name);
}

inline std::string dump(const io::json& j) { return j.dump(1); }

// from_pretrained's loading info (and peft's adapter keys) must be empty, and
// no warning may speak of keys or weights (peft's "Found missing adapter keys",
// transformers' "Some weights ... were not used").
inline void expect_clean_loading(const io::json& result) {
  ASSERT_FALSE(result.contains("error")) << result["error"].get<std::string>();
  const io::json& loading = result.at("loading");
  for (const char* k : {"missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs", "adapter_missing_keys",
                        "adapter_unexpected_keys"})
    if (loading.contains(k)) EXPECT_TRUE(loading[k].empty()) << k << ": " << dump(loading[k]);
  for (const auto& w : loading.at("warnings")) {
    const std::string msg = w.get<std::string>();
    EXPECT_TRUE(msg.find("keys") == std::string::npos && msg.find("weights") == std::string::npos) << msg;
  }
}

inline void expect_logits_match(const io::json& result, const std::string& what, size_t runs) {
  ASSERT_FALSE(result.contains("error")) << result["error"].get<std::string>();
  ASSERT_EQ(result.at("forward").size(), runs) << dump(result);
  for (const auto& run : result.at("forward")) {
    ASSERT_TRUE(run.contains("max_abs_logit_diff")) << dump(run);
    const double d = run["max_abs_logit_diff"].get<double>();
    EXPECT_LE(d, kLogitTolerance) << run["file"].get<std::string>();
    std::cout << "[ round trip ] " << what << " " << run["file"].get<std::string>() << ": max |logit diff| " << d << "\n";
  }
}

}  // namespace vlsi::test_round_trip
