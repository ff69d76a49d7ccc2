#pragma once
// Helpers shared by the data tests: scratch folders and the reference Python.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "../support/python_reference.h"

namespace vlsi::data::testing {

// A fresh, empty folder per test under the build tree.
inline std::string scratch_dir(const std::string& name) {
  namespace fs = std::filesystem;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path p = fs::path(VLSI_BINARY_DIR) / "test-scratch" / "data" /
               (std::string(info->test_suite_name()) + "." + info->name() + "." + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

inline std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Runs a script with the reference interpreter (the one with Pillow, numpy
// and torch); returns its exit status and fills `output` with stdout+stderr.
inline int run_python(const std::string& script_path, const std::string& args, std::string* output) {
  std::string cmd = "'" + test_python::interpreter() + "' " + script_path + " " + args + " 2>&1";
  std::FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) output->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace vlsi::data::testing
