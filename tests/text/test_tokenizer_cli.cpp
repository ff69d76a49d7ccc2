// `vlsi tokenizer encode|decode|train` end to end through the binary. The
// binary comes from $VLSI_BIN (set by ctest) or the build folder; building
// only test_text leaves it out, and then these tests are skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <tuple>

#include "reference_support.h"
#include "test_corpus.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/text/bpe_trainer.h"
#include "vlsi/text/tokenizer.h"
#include "vlsi/text/utf8.h"

namespace vlsi::text {
namespace {

using namespace vlsi::text::testing;
using nlohmann::json;

std::string vlsi_bin() {
  const char* env = std::getenv("VLSI_BIN");
  std::string p = env && *env ? env : std::string(VLSI_BINARY_DIR) + "/vlsi";
  return file_exists(p) ? p : "";
}

struct CliResult {
  int rc;
  std::string out, err;
};

CliResult run_cli(const std::string& args, const std::string& stdin_text) {
  TempDir dir;
  std::ofstream(dir.path + "/in") << stdin_text;
  std::string cmd = shell_quote(vlsi_bin()) + " " + args + " < " + shell_quote(dir.path + "/in") + " > " +
                    shell_quote(dir.path + "/out") + " 2> " + shell_quote(dir.path + "/err");
  int rc = std::system(cmd.c_str());
  return {rc, io::read_file(dir.path + "/out"), io::read_file(dir.path + "/err")};
}

class TokenizerCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (vlsi_bin().empty()) GTEST_SKIP() << "vlsi binary not built (build the 'vlsi' target or run through ctest)";
    BpeTrainerOptions o;
    o.vocab_size = 700;
    o.special_tokens = {"<|im_start|>", "<|im_end|>"};
    BpeTrainer t(o);
    for (const auto& s : build_corpus(600, 8)) t.add_text(s);
    path_ = dir_.path + "/tok.json";
    io::write_file_atomic(path_, t.train().dump());
  }
  TempDir dir_;
  std::string path_;
};

TEST_F(TokenizerCli, EncodeAndDecodeMatchTheLibrary) {
  Tokenizer tok = Tokenizer::from_file(path_);
  auto cases = build_corpus(200, 9);
  std::string input;
  for (const auto& c : cases) input += json(sanitize_utf8(c)).dump() + "\n";
  input += json("<|im_start|>hi<|im_end|>").dump() + "\n";
  CliResult enc = run_cli("tokenizer encode --tokenizer " + shell_quote(path_), input);
  ASSERT_EQ(enc.rc, 0) << enc.err;
  std::istringstream lines(enc.out);
  std::string line, decode_input;
  std::vector<std::string> expected_text;
  for (size_t k = 0; k <= cases.size(); ++k) {
    ASSERT_TRUE(std::getline(lines, line)) << "missing output line " << k;
    std::string text = k < cases.size() ? sanitize_utf8(cases[k]) : "<|im_start|>hi<|im_end|>";
    EXPECT_EQ(json::parse(line).get<std::vector<int64_t>>(), tok.encode(text)) << "line " << k;
    decode_input += line + "\n";
    expected_text.push_back(tok.decode(tok.encode(text), true));
  }
  CliResult dec = run_cli("tokenizer decode --skip-special --tokenizer " + shell_quote(path_), decode_input);
  ASSERT_EQ(dec.rc, 0) << dec.err;
  std::istringstream out(dec.out);
  for (const auto& want : expected_text) {
    ASSERT_TRUE(std::getline(out, line));
    EXPECT_EQ(json::parse(line).get<std::string>(), want);
  }
  EXPECT_EQ(expected_text.back(), "hi");
}

TEST_F(TokenizerCli, MalformedLinesFailWithTheLineNumber) {
  for (auto [args, input, needle] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"encode", "\"ok\"\n[1, 2]\n", "stdin line 2: expected a JSON string"},
           {"encode", "\"ok\"\n\"also ok\"\n{broken\n", "stdin line 3:1:2: invalid JSON"},
           {"decode", "[1, 2]\n[1, \"x\"]\n", "stdin line 2: expected a JSON array of integer"},
           {"decode", "[99999]\n", "stdin line 1: "}}) {
    CliResult r = run_cli("tokenizer " + args + " --tokenizer " + shell_quote(path_), input);
    EXPECT_NE(r.rc, 0) << args << " accepted " << input;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST_F(TokenizerCli, TrainWritesTheSameTokenizerAsTheLibrary) {
  std::string txt = dir_.path + "/a.txt", jsonl = dir_.path + "/b.jsonl", out = dir_.path + "/trained.json";
  auto corpus = build_corpus(400, 12);
  std::string whole;
  for (size_t k = 0; k < 200; ++k) whole += sanitize_utf8(corpus[k]) + "\n";
  io::write_file_atomic(txt, whole);
  std::string lines;
  for (size_t k = 200; k < corpus.size(); ++k)
    lines += (k % 2 ? json(sanitize_utf8(corpus[k])) : json{{"text", sanitize_utf8(corpus[k])}}).dump() + "\n";
  io::write_file_atomic(jsonl, lines);
  CliResult r = run_cli("tokenizer train --input " + shell_quote(txt) + " " + shell_quote(jsonl) +
                  " --vocab-size 600 --special '<|endoftext|>' '<image>' --out " + shell_quote(out),
              "");
  ASSERT_EQ(r.rc, 0) << r.err;
  BpeTrainerOptions o;
  o.vocab_size = 600;
  o.special_tokens = {"<|endoftext|>", "<image>"};
  BpeTrainer t(o);
  t.add_text(whole);
  for (size_t k = 200; k < corpus.size(); ++k) t.add_text(sanitize_utf8(corpus[k]));
  EXPECT_EQ(json::parse(io::read_file(out)), t.train());

  io::write_file_atomic(jsonl, "\"fine\"\n[1]\n");
  CliResult bad = run_cli("tokenizer train --input " + shell_quote(jsonl) + " --vocab-size 600 --out " + shell_quote(out), "");
  EXPECT_NE(bad.rc, 0);
  EXPECT_NE(bad.err.find("b.jsonl:2: expected a JSON string"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace vlsi::text
