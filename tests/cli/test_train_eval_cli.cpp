#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../train/sft_fixture.h"
#include "cli_runner.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/safetensors.h"

using namespace vlsi;
using test_support::run_cli;
namespace fs = std::filesystem;

TEST(CliErrors, MalformedConfigIsOneLineNonZero) {
  std::string dir = test_support::fresh_dir("cli_bad");
  io::write_file_atomic(dir + "/bad.json", "{\n  \"trainer\": {\"lr\": 0.1,}\n}\n");
  auto r = run_cli("train sft --config " + dir + "/bad.json");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("bad.json:2:"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << "expected one line: " << r.output;

  auto m = run_cli("eval --model " + dir + "/nope --data " + dir);
  EXPECT_NE(m.code, 0);
  auto u = run_cli("train sft --set trainer.lrr=1");
  EXPECT_EQ(u.code, 1);
  EXPECT_NE(u.output.find("trainer.lrr"), std::string::npos) << u.output;
  fs::remove_all(dir);
}

TEST(CliTrain, KilledRunResumesAndEvaluates) {
  std::string dir = test_support::fresh_dir("cli_kill");
  test_support::make_sft_fixture(dir);
  auto cfg = test_support::sft_config(dir, dir + "/run", 30);
  cfg["trainer"]["ckpt_every"] = 3;
  io::write_json_file(dir + "/sft.json", cfg);

  // Start training in the background and kill it once a checkpoint exists.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string bin = test_support::vlsi_bin(), conf = dir + "/sft.json", log = dir + "/first.log";
    FILE* f = std::freopen(log.c_str(), "w", stderr);
    (void)f;
    ::execl(bin.c_str(), bin.c_str(), "train", "sft", "--config", conf.c_str(), (char*)nullptr);
    ::_exit(127);
  }
  bool killed = false;
  for (int i = 0; i < 1200 && !killed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (fs::exists(dir + "/run/checkpoints/step-00000003")) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(killed) << "no checkpoint appeared";
  ASSERT_FALSE(fs::exists(dir + "/run/summary.json")) << "the run finished before it could be killed";

  auto again = run_cli("train sft --config " + dir + "/sft.json");
  EXPECT_EQ(again.code, 1) << again.output;
  EXPECT_NE(again.output.find("--resume"), std::string::npos) << again.output;

  auto resumed = run_cli("train sft --config " + dir + "/sft.json --resume");
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed from checkpoint"), std::string::npos) << resumed.output;
  EXPECT_TRUE(fs::exists(dir + "/run/model/model.safetensors"));

  auto ev = run_cli("eval --model " + dir + "/run/model --data " + dir + "/data --out " + dir + "/eval");
  ASSERT_EQ(ev.code, 0) << ev.output;
  EXPECT_NE(ev.output.find("overall"), std::string::npos);
  auto results = io::read_json_file(dir + "/eval/results.json");
  EXPECT_EQ(results["overall"]["total"], 16);
  std::ifstream samples(dir + "/eval/samples.jsonl");
  int lines = 0;
  for (std::string l; std::getline(samples, l);) ++lines;
  EXPECT_EQ(lines, 16);
  fs::remove_all(dir);
}

TEST(CliEval, TokenizerMismatchIsRefused) {
  std::string dir = test_support::fresh_dir("cli_mismatch");
  test_support::make_sft_fixture(dir);
  auto init = run_cli("model init --config " + dir + "/model.json --tokenizer " + dir + "/tokenizer.json --out " +
                      dir + "/m");
  ASSERT_EQ(init.code, 0) << init.output;
  // Swap in a tokenizer with a different vocabulary.
  auto tok = io::read_json_file(dir + "/tokenizer.json");
  auto& added = tok["added_tokens"];
  for (auto& a : added) if (a["content"] == "<image>") a["id"] = a["id"].get<int64_t>() + 1000;
  io::write_json_file(dir + "/m/tokenizer.json", tok);
  auto ev = run_cli("eval --model " + dir + "/m --data " + dir + "/data");
  EXPECT_EQ(ev.code, 1);
  EXPECT_NE(ev.output.find("do not belong together"), std::string::npos) << ev.output;
  fs::remove_all(dir);
}

// A demo rerun reuses finished stages; data generated with other settings (here
// an older free-layout benchmark) must be refused, not mixed with the new models.
TEST(CliDemo, RefusesDataGeneratedWithOtherSettings) {
  std::string dir = test_support::fresh_dir("cli_demo_stale");
  auto d = run_cli("data shapes --out " + dir + "/data --seed 0 --train 7 --val 7 --test 7");
  ASSERT_EQ(d.code, 0) << d.output;
  auto r = run_cli("demo --config " + std::string(VLSI_SOURCE_DIR) + "/configs/demo.json --out " + dir +
                   " --set data.train=7 --set data.val=7 --set data.test=7");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("data/meta.json: data was generated with grid = 0, the config asks for 4"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir + "/tokenizer.json")) << "nothing after the data stage may run";
  fs::remove_all(dir);
}
