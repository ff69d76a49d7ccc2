#pragma once
// Per-test scratch folders under the temp directory, removed when the test
// binary exits (set VLSI_KEEP_TEST_DIRS=1 to keep them for inspection).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace vlsi::test_dirs {

inline std::vector<std::string>& temp_dirs_to_remove() {
  static std::vector<std::string> dirs;
  static const bool registered = [] {
    std::atexit([] {
      if (std::getenv("VLSI_KEEP_TEST_DIRS")) return;
      std::error_code ec;
      for (auto& d : temp_dirs_to_remove()) std::filesystem::remove_all(d, ec);
    });
    return true;
  }();
  (void)registered;
  return dirs;
}

// An empty folder "<prefix><test name><tag>_<pid>", fresh for each call.
inline std::string scratch_dir(const std::string& prefix, const std::string& tag = "") {
  auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto p = std::filesystem::temp_directory_path() /
           (prefix + std::string(info ? info->name() : "none") + tag + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  temp_dirs_to_remove().push_back(p.string());
  return p.string();
}

}  // namespace vlsi::test_dirs
