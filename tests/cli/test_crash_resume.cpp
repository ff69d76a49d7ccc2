// Crash-safe SFT (issue 16, item 5): `vlsi train sft` killed (SIGKILL) at six
// points in turn and resumed each time ends with the uninterrupted run's
// weights, byte for byte, and its metrics, each step once; a full disk during a
// checkpoint write is a clear error that leaves the previous checkpoint intact.
#include <gtest/gtest.h>

#include "../train/sft_fixture.h"
#include "cli_runner.h"
#include "kill_chain.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/train/checkpoint_manifest.h"

using namespace vlsi;

namespace {

// 12 steps; checkpoints at 3, 6, 9, 12 (two kept); validation at 4, 8, 12; loss windows of 5.
std::string write_config(const std::string& dir, const std::string& out) {
  auto cfg = test_support::sft_config(dir, out, 12);
  cfg["trainer"]["ckpt_every"] = 3;
  cfg["trainer"]["keep_checkpoints"] = 2;
  cfg["trainer"]["val_every"] = 4;
  cfg["trainer"]["val_batches"] = 1;
  const std::string path = out + ".json";
  io::write_json_file(path, cfg);
  return path;
}

}  // namespace

TEST(CrashResume, SftKilledAtSixPointsEndsBitIdentical) {
  std::string dir = test_support::fresh_dir("crash_sft");
  test_support::make_sft_fixture(dir, 48);
  auto ref = test_support::run_cli("train sft --config " + write_config(dir, dir + "/ref"));
  ASSERT_EQ(ref.code, 0) << ref.output;

  // Each kill resumes from the newest checkpoint the previous one left (in brackets).
  test_support::run_kill_chain("train sft --config " + write_config(dir, dir + "/run"),
                               {"step:2",              // during step 2, before any checkpoint      [none]
                                "checkpoint-write:1",  // half-written step-3 checkpoint            [none]
                                "metrics-append:6",    // step 5's metrics line torn in half        [3]
                                "validation:1",        // during the validation of step 4           [3]
                                "checkpoint-commit:2", // step-9 sealed, not yet renamed            [6]
                                "summary-write:1"});   // final model written, summary.json not     [12]
  test_support::expect_same_training(dir + "/ref", dir + "/run");
  auto a = io::read_json_file(dir + "/ref/summary.json"), b = io::read_json_file(dir + "/run/summary.json");
  EXPECT_EQ(a["final_train_loss"].get<double>(), b["final_train_loss"].get<double>());
  EXPECT_EQ(a["final_val_loss"].get<double>(), b["final_val_loss"].get<double>());
  EXPECT_EQ(b["resumed_from"], 12);
  io::remove_tree(dir);
}

TEST(CrashResume, FullDiskDuringACheckpointLeavesThePreviousIntact) {
  std::string dir = test_support::fresh_dir("crash_full_disk");
  test_support::make_sft_fixture(dir, 48);
  const std::string args = "train sft --config " + write_config(dir, dir + "/run");
  auto first = test_support::run_cli_env("VLSI_TEST_KILL_AT=checkpoint-write:2", args);  // step-3 committed
  ASSERT_EQ(first.code, 137) << first.output;

  // Files may not grow past 32 KiB (the model file is larger): the step-6 checkpoint cannot be
  // written. SIGXFSZ is ignored so the write fails with EFBIG, as a full disk fails with ENOSPC.
  auto full = test_support::run_cli_env("trap '' XFSZ; ulimit -f 64;", args + " --resume");
  EXPECT_EQ(full.code, 1) << full.output;
  const std::string ckpts = dir + "/run/checkpoints";
  EXPECT_NE(full.output.find("error: " + ckpts + "/step-00000006: cannot write checkpoint: "), std::string::npos)
      << full.output;
  EXPECT_NE(full.output.find("File too large"), std::string::npos) << full.output;
  EXPECT_NE(full.output.find("the previous checkpoint " + ckpts + "/step-00000003 is intact"), std::string::npos)
      << full.output;
  EXPECT_FALSE(io::file_exists(ckpts + "/.tmp-step-00000006")) << "the half-written checkpoint was left behind";
  EXPECT_FALSE(io::file_exists(ckpts + "/step-00000006"));
  EXPECT_NO_THROW(train::verify_checkpoint_manifest(ckpts + "/step-00000003", 3));

  // With space again, the run resumes from it and finishes.
  auto again = test_support::run_cli(args + " --resume");
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("resumed from checkpoint at step 3"), std::string::npos) << again.output;
  io::remove_tree(dir);
}

TEST(CrashResume, ChangedConfigIsRefusedUnlessForced) {
  std::string dir = test_support::fresh_dir("crash_config");
  test_support::make_sft_fixture(dir, 48);
  const std::string args = "train sft --config " + write_config(dir, dir + "/run");
  ASSERT_EQ(test_support::run_cli_env("VLSI_TEST_KILL_AT=checkpoint-write:2", args).code, 137);
  auto refused = test_support::run_cli(args + " --resume --set trainer.lr=0.01 --set trainer.batch_size=4");
  EXPECT_EQ(refused.code, 1) << refused.output;
  EXPECT_NE(refused.output.find("changed: trainer.batch_size (8 -> 4), trainer.lr (0.003 -> 0.01)"),
            std::string::npos) << refused.output;
  EXPECT_EQ(refused.output.find('\n'), refused.output.size() - 1) << "expected one line: " << refused.output;
  // Exempt fields (log_every, threads, ...) may change.
  auto forced = test_support::run_cli(args + " --resume --force --set trainer.lr=0.01 --set trainer.log_every=2");
  ASSERT_EQ(forced.code, 0) << forced.output;
  EXPECT_NE(forced.output.find("continuing the run with a changed config: trainer.lr (0.003 -> 0.01)"),
            std::string::npos) << forced.output;
  EXPECT_EQ(forced.output.find("log_every ("), std::string::npos) << forced.output;
  io::remove_tree(dir);
}
