#pragma once
// Shared by the tests that compare against the reference libraries: the real
// Qwen3 tokenizer fixture (unpacked into the build folder on first use),
// running ref_encode.py (Hugging Face `tokenizers`) and reading its answers.
// A missing reference interpreter or library is a test failure, never a skip:
// scripts/install-deps.sh --test is expected to provide them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../support/python_reference.h"

namespace vlsi::text::testing {

inline std::string source_dir() { return VLSI_SOURCE_DIR; }

inline bool file_exists(const std::string& p) { return std::ifstream(p).good(); }

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The committed fixture tests/data/qwen3-tokenizer/tokenizer.json.gz, unpacked
// once into the build folder (written under a temporary name and renamed, so
// tests running in parallel never read a half-written file).
inline std::string qwen_tokenizer_path() {
  const std::string out = std::string(VLSI_BINARY_DIR) + "/test-data/qwen3-tokenizer.json";
  if (file_exists(out)) return out;
  std::filesystem::create_directories(std::string(VLSI_BINARY_DIR) + "/test-data");
  const std::string tmp = out + ".tmp" + std::to_string(::getpid());
  const std::string cmd = "gzip -dc " + shell_quote(source_dir() + "/tests/data/qwen3-tokenizer/tokenizer.json.gz") +
                          " > " + shell_quote(tmp);
  if (std::system(cmd.c_str()) != 0) {
    ADD_FAILURE() << "cannot unpack the Qwen3 tokenizer fixture: " << cmd;
    return out;
  }
  std::filesystem::rename(tmp, out);
  return out;
}

// Makes sure the reference interpreter imports `tokenizers` and `transformers`;
// returns an error text or "".
inline std::string ensure_reference() {
  const std::string cmd = "'" + test_python::interpreter() + "' -c 'import tokenizers, transformers' > /dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return test_python::missing_hint();
  return "";
}

// A fresh folder under /tmp, removed with everything in it when destroyed.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/vlsi-text-test-XXXXXX";
    const char* d = mkdtemp(tmpl);
    EXPECT_NE(d, nullptr) << "cannot create a temp dir";
    path = d ? d : "/tmp";
  }
  ~TempDir() {
    std::error_code ec;
    if (path != "/tmp") std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

inline std::string to_hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

struct ReferenceResult {
  std::vector<int64_t> ids;
  std::string decoded, decoded_skip;
};

// Runs the reference (`tokenizers`) on `cases` with `tokenizer_json`; fails the test on error.
inline std::vector<ReferenceResult> run_reference(const std::string& tokenizer_json, const std::vector<std::string>& cases) {
  std::vector<ReferenceResult> out;
  TempDir dir;
  std::string in = dir.path + "/cases.hex", res = dir.path + "/ref.jsonl";
  {
    std::ofstream f(in);
    for (const auto& c : cases) f << to_hex(c) << '\n';
  }
  std::string cmd = test_python::command("tests/text/ref_encode.py") + "encode " + shell_quote(tokenizer_json) + " " +
                    shell_quote(in) + " " + shell_quote(res);
  int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << "reference encoder failed: " << cmd;
  if (rc != 0) return out;
  std::ifstream f(res);
  std::string line;
  while (std::getline(f, line)) {
    auto j = nlohmann::json::parse(line);
    out.push_back({j["ids"].get<std::vector<int64_t>>(), j["decoded"].get<std::string>(), j["decoded_skip"].get<std::string>()});
  }
  EXPECT_EQ(out.size(), cases.size()) << "reference produced a different number of answers";
  return out;
}

inline std::string show_ids(const std::vector<int64_t>& ids, size_t from, size_t count = 12) {
  std::ostringstream os;
  os << "[";
  for (size_t k = from; k < ids.size() && k < from + count; ++k) os << (k > from ? "," : "") << ids[k];
  if (from + count < ids.size()) os << ",...";
  return os.str() + "]";
}

}  // namespace vlsi::text::testing
