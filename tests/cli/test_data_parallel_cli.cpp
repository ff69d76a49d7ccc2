// Data parallel training on torch.distributed (issue 13): `vlsi train sft`
// under `torchrun --nproc-per-node 2` trains as one process does with the same
// global batch (losses per step and final weights within 1e-5 relative), a
// checkpoint moves between world sizes in both directions, and a rank that dies
// makes the other exit with a one-line error instead of hanging.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "../train/sft_fixture.h"
#include "cli_runner.h"
#include "data_parallel_support.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"

using namespace vlsi;

namespace data_parallel_cli {

constexpr double kRel = 1e-5;

// 8 steps of a global batch of 8 over 48 records (6 steps an epoch: the 2nd epoch starts at step 7),
// checkpoints every 3 steps, validation at 4 and 8.
std::string write_config(const std::string& dir, const std::string& out) {
  auto cfg = test_support::sft_config(dir, out, 8);
  cfg["trainer"]["ckpt_every"] = 3;
  cfg["trainer"]["val_every"] = 4;
  cfg["trainer"]["val_batches"] = 1;
  const std::string path = out + ".json";
  io::write_json_file(path, cfg);
  return path;
}

class DataParallelSft : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = test_support::fresh_dir("dp_sft");
    test_support::make_sft_fixture(dir_, 48);
    auto ref = test_support::run_cli("train sft --config " + write_config(dir_, dir_ + "/one"));
    ASSERT_EQ(ref.code, 0) << ref.output;
  }
  static void TearDownTestSuite() { io::remove_tree(dir_); }
  static std::string dir_;
};
std::string DataParallelSft::dir_;

TEST_F(DataParallelSft, TwoProcessesTrainAsOne) {
  const std::string out = dir_ + "/two";
  auto two = test_support::run_torchrun(2, "train sft --config " + write_config(dir_, out));
  ASSERT_EQ(two.code, 0) << two.output;
  EXPECT_NE(two.output.find("2 processes sharing each batch"), std::string::npos) << two.output;
  test_support::expect_same_losses(dir_ + "/one/metrics.jsonl", out + "/metrics.jsonl", kRel);
  test_support::expect_same_weights(dir_ + "/one/model", out + "/model", kRel);
  // Rank 0 alone writes: one summary, the validation records of the one-process run.
  auto a = io::read_json_file(dir_ + "/one/summary.json"), b = io::read_json_file(out + "/summary.json");
  test_support::expect_close(a["final_val_loss"].get<double>(), b["final_val_loss"].get<double>(), kRel, "val loss");
  EXPECT_EQ(a["steps"], b["steps"]);
}

TEST_F(DataParallelSft, CheckpointOfTwoProcessesResumesInOneAndBack) {
  // Two processes killed at their second checkpoint's commit (step 6; step 3's is kept),
  // continued by one process, which is killed while logging step 7 (after its step-6 checkpoint)
  // and finished by two again.
  const std::string out = dir_ + "/moved";
  const std::string args = "train sft --config " + write_config(dir_, out);
  auto first = test_support::run_torchrun(2, args, "VLSI_TEST_KILL_AT=checkpoint-commit:2");
  ASSERT_NE(first.code, 0) << first.output;
  ASSERT_TRUE(io::file_exists(out + "/checkpoints/step-00000003/trainer_state.json")) << first.output;
  ASSERT_FALSE(io::file_exists(out + "/summary.json"));

  auto one = test_support::run_cli_env("VLSI_TEST_KILL_AT=metrics-append:5", args + " --resume");
  ASSERT_EQ(one.code, 137) << one.output;
  EXPECT_NE(one.output.find("resumed from checkpoint at step 3"), std::string::npos) << one.output;

  auto two = test_support::run_torchrun(2, args + " --resume");
  ASSERT_EQ(two.code, 0) << two.output;
  EXPECT_NE(two.output.find("resumed from checkpoint at step 6"), std::string::npos) << two.output;
  test_support::expect_same_losses(dir_ + "/one/metrics.jsonl", out + "/metrics.jsonl", kRel);
  test_support::expect_same_weights(dir_ + "/one/model", out + "/model", kRel);
}

TEST_F(DataParallelSft, ADeadRankMakesTheOtherExitWithOneLine) {
  // Launched by hand (torchrun would stop the survivor itself): rank 1 kills itself
  // during step 2; rank 0 must notice the lost peer and exit, well before the 60 s timeout.
  const std::string out = dir_ + "/dead";
  const std::string cfg = write_config(dir_, out);
  const int port = 29000 + int(::getpid() % 500);
  const std::string common = "OMP_NUM_THREADS=1 VLSI_DIST_TIMEOUT_S=60 MASTER_ADDR=127.0.0.1 MASTER_PORT=" +
                             std::to_string(port) + " WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 ";
  const std::string bin = test_support::vlsi_bin() + " train sft --config " + cfg;
  auto t0 = std::chrono::steady_clock::now();
  auto r = test_support::run_shell("(" + common + "RANK=1 LOCAL_RANK=1 VLSI_TEST_KILL_AT=step:2 " + bin +
                                   " >/dev/null 2>&1 &) ; " + common + "RANK=0 LOCAL_RANK=0 " + bin);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_LT(seconds, 50.0) << r.output;
  const std::string last = test_support::last_line(r.output);
  EXPECT_EQ(last.rfind("error: distributed: rank 0 of 2: ", 0), 0u) << r.output;
  EXPECT_NE(last.find("failed (a peer process exited"), std::string::npos) << r.output;
}

}  // namespace data_parallel_cli
