// The binary against hostile files and flags (issue 16): each is refused with
// one line naming the file, field or flag and a non-zero exit, never a crash,
// a hang or an allocation the size of the claim.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "cli_runner.h"
#include "model_folder_fixture.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/json_util.h"

using namespace vlsi;
using test_support::last_line;
using test_support::run_cli;
namespace fs = std::filesystem;

namespace {

// DIR/m: a tiny model folder (context 256); DIR/tokenizer.json, DIR/model.json, DIR/data.
struct HostileFixture {
  std::string dir = test_support::fresh_dir("cli_hostile");
  HostileFixture() { test_support::init_model_folder(dir); }
  ~HostileFixture() {
    if (!std::getenv("VLSI_KEEP_TEST_DIRS")) io::remove_tree(dir);
  }
  // A copy of the model folder with `file` replaced by `content` (or by a FIFO when content is null).
  std::string model_with(const std::string& name, const std::string& file, const char* content) const {
    const std::string out = dir + "/" + name;
    fs::create_directories(out);
    for (const auto& e : fs::directory_iterator(dir + "/m")) fs::copy_file(e.path(), out + "/" + e.path().filename().string());
    fs::remove(out + "/" + file);
    if (content) io::write_file_atomic(out + "/" + file, content);
    else EXPECT_EQ(::mkfifo((out + "/" + file).c_str(), 0600), 0);
    return out;
  }
};

HostileFixture& hostile_fixture() {
  static HostileFixture f;
  return f;
}

// Runs `args` (after the environment settings `env`) with a 60 s guard, so a
// hang fails instead of stalling the suite; expects a non-zero exit and a last
// line "error: ..." that contains `part`.
void expect_refused(const std::string& args, const std::string& part, const std::string& env = "") {
  auto r = test_support::run_shell("env " + env + " timeout 60 " + test_support::vlsi_bin() + " " + args);
  EXPECT_NE(r.code, 0) << args << "\n" << r.output;
  EXPECT_NE(r.code, 124) << "timed out: " << args;
  const std::string line = last_line(r.output);
  EXPECT_EQ(line.rfind("error: ", 0), 0u) << r.output;
  EXPECT_NE(line.find(part), std::string::npos) << "expected '" << part << "' in: " << r.output;
}

// Peak resident memory (KiB) of the binary run with `args` in a child process
// (wait4 reports the child's high-water mark); `env` as in expect_refused.
int64_t peak_rss_kib(const std::string& args, const std::string& env = "") {
  const std::string command = "exec env " + env + " " + test_support::vlsi_bin() + " " + args + " >/dev/null 2>&1";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  struct rusage usage {};
  if (pid < 0 || ::wait4(pid, &status, 0, &usage) != pid) return -1;
  return usage.ru_maxrss;
}

std::string deep_json(const std::string& key) {
  return "{\"" + key + "\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
}

}  // namespace

TEST(CliHostile, DeeplyNestedJsonInAnyFileIsRefusedNotACrash) {
  auto& f = hostile_fixture();
  io::write_file_atomic(f.dir + "/deep.json", deep_json("out"));
  expect_refused("train sft --config " + f.dir + "/deep.json --print-config", "deep.json:1:520: JSON nested deeper than 512");
  const std::string folder = f.model_with("deep_config", "config.json", deep_json("text_config").c_str());
  expect_refused("model info " + folder, "config.json:1:528: JSON nested deeper");
  expect_refused("tokenizer encode --tokenizer " + f.dir + "/deep.json < /dev/null", "deep.json:1:520: JSON nested");
}

TEST(CliHostile, FifoInPlaceOfAFileIsRefusedWithoutBlocking) {
  auto& f = hostile_fixture();
  const std::string weights = f.model_with("fifo_weights", "model.safetensors", nullptr);
  expect_refused("model info " + weights, "model.safetensors: cannot read (a FIFO, expected a regular file)");
  const std::string config = f.model_with("fifo_config", "config.json", nullptr);
  expect_refused("model info " + config, "config.json: cannot read (a FIFO");
  ASSERT_EQ(::mkfifo((f.dir + "/image.png").c_str(), 0600), 0);
  expect_refused("generate --model " + f.dir + "/m --prompt hi --image " + f.dir + "/image.png",
                 "image.png: cannot read (a FIFO, expected a regular file)");
  fs::create_symlink("/dev/zero", f.dir + "/zero.json");
  expect_refused("tokenizer encode --tokenizer " + f.dir + "/zero.json < /dev/null",
                 "zero.json: cannot read (a character device, expected a regular file)");
}

TEST(CliHostile, HugeModelConfigIsRefusedBeforeAnythingIsBuilt) {
  auto& f = hostile_fixture();
  auto cfg = io::read_json_file(f.dir + "/model.json");
  cfg["text_config"]["num_hidden_layers"] = 1000000000000;
  io::write_json_file(f.dir + "/layers.json", cfg);
  expect_refused("model init --config " + f.dir + "/layers.json --tokenizer " + f.dir + "/tokenizer.json --out " + f.dir +
                     "/never",
                 "layers.json: text_config: field 'num_hidden_layers' is 1000000000000, more than the limit of 1024");
  EXPECT_FALSE(fs::exists(f.dir + "/never"));
  auto info = io::read_json_file(f.dir + "/m/config.json");
  info["text_config"]["vocab_size"] = 30000000;
  const std::string folder = f.model_with("big_vocab", "config.json", info.dump().c_str());
  expect_refused("model info " + folder,
                 "text_config: field 'vocab_size' is 30000000, more than the limit of 4194304; raise it with "
                 "VLSI_MAX_VOCAB=N");
  // Raising the vocabulary limit moves the refusal to the parameter count, also adjustable.
  expect_refused("model info " + folder, "config.json: the config describes 1440",
                 "VLSI_MAX_VOCAB=40000000 VLSI_MAX_MODEL_PARAMS=1000000");
}

TEST(CliHostile, OutOfRangeFlagsNameTheFlag) {
  auto& f = hostile_fixture();
  const std::string gen = "generate --model " + f.dir + "/m --prompt hi ";
  expect_refused(gen + "--max-new-tokens 99999999999999999999",
                 "--max-new-tokens: expected an integer in [-9223372036854775808, 9223372036854775807]");
  expect_refused(gen + "--seed -1 --temperature 1", "--seed: expected a non-negative integer, got -1");
  expect_refused(gen + "--beams 100000", "--beams 100000 is too many (limit 1024");
  expect_refused(gen + "--temperature 1e400", "--temperature: expected a finite number, got 1e400");
  expect_refused("eval --model " + f.dir + "/m --data " + f.dir + "/data --batch-size 0",
                 "eval: --batch-size must be >= 1, got 0");
}

TEST(CliHostile, BadRunConfigLeavesNoRunFolder) {
  auto& f = hostile_fixture();
  auto cfg = test_support::sft_config(f.dir, f.dir + "/run_beta", 4);
  cfg["trainer"]["beta1"] = 1.0;
  io::write_json_file(f.dir + "/beta.json", cfg);
  expect_refused("train sft --config " + f.dir + "/beta.json", "field 'beta1': expected 0 <= beta1 < 1, got 1");
  cfg = test_support::sft_config(f.dir, f.dir + "/run_both", 4);
  cfg["model"]["from"] = f.dir + "/m";
  io::write_json_file(f.dir + "/both.json", cfg);
  expect_refused("train sft --config " + f.dir + "/both.json", "set exactly one of 'model.init'");
  EXPECT_FALSE(fs::exists(f.dir + "/run_both"));  // config.json was written before the check
  io::write_json_file(f.dir + "/seed.json", test_support::sft_config(f.dir, f.dir + "/run_seed", 4));
  expect_refused("train sft --config " + f.dir + "/seed.json --set model.seed=-1",
                 "field 'seed': expected an integer in [0, 18446744073709551615], got -1");
  EXPECT_FALSE(fs::exists(f.dir + "/run_seed"));
}

// The inputs a config names are checked before the run folder is made, so a
// typo in a path leaves no half-made folder that a later --resume would trip on.
TEST(CliHostile, MissingInputsLeaveNoRunFolder) {
  auto& f = hostile_fixture();
  io::write_json_file(f.dir + "/inputs.json", test_support::sft_config(f.dir, f.dir + "/run_inputs", 4));
  const std::string sft = "train sft --config " + f.dir + "/inputs.json ";
  expect_refused(sft + "--set data.train=" + f.dir + "/no.jsonl",
                 "sft config: field 'data.train': " + f.dir + "/no.jsonl: cannot read (no such file)");
  expect_refused(sft + "--set data.images=" + f.dir + "/no_images", "field 'data.images': " + f.dir + "/no_images: cannot read (no such folder)");
  expect_refused(sft + "--set model.init= --set model.from=" + f.dir + "/no_model", "field 'model.from': " + f.dir + "/no_model");
  EXPECT_FALSE(fs::exists(f.dir + "/run_inputs"));

  auto teacher = io::read_json_file(f.dir + "/model.json");
  teacher["text_config"]["num_hidden_layers"] = 4;
  io::write_json_file(f.dir + "/teacher.json", teacher);
  auto made = run_cli("model init --config " + f.dir + "/teacher.json --tokenizer " + f.dir + "/tokenizer.json --out " +
                      f.dir + "/teacher");
  ASSERT_EQ(made.code, 0) << made.output;
  const std::string distill = "distill --out " + f.dir + "/run_recipe --set teacher.model=" + f.dir +
                              "/teacher --set student.model=" + f.dir + "/m --set teacher.target_layers.layers=[0,1,2] " +
                              "--set student.target_layers.layers=[0] --set data.train=" + f.dir + "/no.jsonl";
  expect_refused(distill, "distill config: field 'data.train': " + f.dir + "/no.jsonl: cannot read (no such file)");
  EXPECT_FALSE(fs::exists(f.dir + "/run_recipe"));
}

TEST(CliHostile, FailedChatImageLeavesNoImageAttached) {
  auto& f = hostile_fixture();
  io::write_file_atomic(f.dir + "/bad.png", "not a png");
  io::write_file_atomic(f.dir + "/chat.txt", "/image " + f.dir + "/bad.png\nHello\n");
  auto bad = run_cli("chat --model " + f.dir + "/m --max-new-tokens 4 --threads 1 < " + f.dir + "/chat.txt");
  io::write_file_atomic(f.dir + "/plain.txt", "Hello\n");
  auto plain = run_cli("chat --model " + f.dir + "/m --max-new-tokens 4 --threads 1 < " + f.dir + "/plain.txt");
  ASSERT_EQ(plain.code, 0) << plain.output;
  EXPECT_EQ(bad.code, 0) << bad.output;
  // The refusal, then the same answer as without any /image.
  EXPECT_EQ(bad.output, "error: " + f.dir + "/bad.png: not a PNG or JPEG image; no image attached\n" +
                            plain.output);
}

// Issue 16, item 4: refusing the worst claims costs no more memory than
// starting the binary (libtorch alone maps ~500 MB) plus a stated margin.
TEST(CliHostile, PeakMemoryWhileRefusingHugeClaimsStaysBounded) {
  auto& f = hostile_fixture();
  constexpr int64_t kMarginKib = 64 * 1024;  // docs/reliability.md, "Limits" (measured: ~6 MiB)
  const int64_t baseline = peak_rss_kib("--version");
  ASSERT_GT(baseline, 0);

  // A grey PNG header declaring 20000 x 20000 (1.2 GB as RGB) with no pixel data.
  std::string png = "\x89PNG\r\n\x1a\n";
  png += std::string("\0\0\0\x0dIHDR\0\0\x4e\x20\0\0\x4e\x20\x08\0\0\0\0\0\0\0\0", 25);
  io::write_file_atomic(f.dir + "/huge.png", png);
  // A config of 10^12 layers; a tokenizer with one token at id 2^31 - 1.
  auto cfg = io::read_json_file(f.dir + "/model.json");
  cfg["text_config"]["num_hidden_layers"] = 1000000000000;
  io::write_json_file(f.dir + "/huge_model.json", cfg);
  auto tok = io::read_json_file(f.dir + "/tokenizer.json");
  tok["added_tokens"].push_back({{"id", 2147483647}, {"content", "<huge>"}, {"special", true}});
  io::write_json_file(f.dir + "/sparse_tokenizer.json", tok);

  const std::vector<std::string> cases = {
      "generate --model " + f.dir + "/m --prompt hi --image " + f.dir + "/huge.png",
      "model init --config " + f.dir + "/huge_model.json --tokenizer " + f.dir + "/tokenizer.json --out " + f.dir + "/x",
      "tokenizer encode --tokenizer " + f.dir + "/sparse_tokenizer.json < /dev/null",
  };
  for (const auto& args : cases) {
    const int64_t peak = peak_rss_kib(args);
    EXPECT_GT(peak, 0) << args;
    EXPECT_LE(peak, baseline + kMarginKib) << args << ": peak " << peak / 1024 << " MiB, start-up " << baseline / 1024
                                           << " MiB";
  }
}
