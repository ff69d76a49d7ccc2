// Crash-safe VLsI steps (issue 16, item 5): `vlsi distill` killed (SIGKILL) at
// the kill points listed below, resumed after each, ends with the uninterrupted
// recipe's weights byte for byte (verbalizers, adapters, merged models, final
// student), the same metrics (each step once) and the same interaction match counts.
#include <gtest/gtest.h>

#include "../cli/kill_chain.h"
#include "step_fixture.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"

using namespace vlsi;
using io::json;

namespace {

// Every stage 6 steps: checkpoints at 2, 4, 6 (two kept), validation at 3 and 6.
json stage_trainer(double lr) {
  json t = test_support::fixture_trainer(6, lr);
  t["ckpt_every"] = 2;
  t["keep_checkpoints"] = 2;
  t["val_every"] = 3;
  t["val_batches"] = 1;
  return t;
}

std::string write_recipe(const std::string& dir, const std::string& out) {
  json recipe = {{"out", out},
                 {"teacher", {{"model", dir + "/teacher"}, {"target_layers", {{"start", 0}, {"stride", 2}}}}},
                 {"student", {{"model", dir + "/student"}, {"target_layers", {{"start", 0}, {"stride", 2}}}}},
                 {"data", test_support::fixture_data(dir)},
                 {"stages",
                  {{"verbalize_teacher", {{"trainer", stage_trainer(5e-2)}}},
                   {"verbalize_student", {{"trainer", stage_trainer(5e-2)}}},
                   {"interact", {{"trainer", stage_trainer(3e-3)}}},
                   {"reinforce", {{"share", 1.0}, {"trainer", stage_trainer(3e-3)}}}}}};
  const std::string path = out + ".json";
  io::write_json_file(path, recipe);
  return path;
}

}  // namespace

TEST(CrashResume, DistillStepsKilledAtSixteenPointsEndBitIdentical) {
  std::string dir = test_support::fresh_dir("crash_distill");
  test_support::make_distill_fixture(dir, 32);
  auto ref = test_support::run_cli("distill --config " + write_recipe(dir, dir + "/ref"));
  ASSERT_EQ(ref.code, 0) << ref.output;

  // A point counts its hits within one process; in brackets the checkpoint the next run resumes from.
  test_support::run_kill_chain(
      "distill --config " + write_recipe(dir, dir + "/run"),
      {// verbalize (the teacher's stage, then the student's: one label)
       "verbalize/step:3",               // teacher, during step 3                     [teacher 2]
       "verbalize/checkpoint-write:2",   // teacher, half-written step-6 checkpoint    [teacher 4]
       "verbalize/validation:2",         // teacher done; student's validation, step 3 [student 2]
       "verbalize/metrics-append:3",     // student, step 4's metrics line torn        [student 2]
       "verbalize/checkpoint-commit:2",  // student, step-6 sealed, not renamed        [student 4]
       "verbalize/summary-write:1",      // student verbalizers written, no summary    [student 6]
       // interact
       "interact/metrics-append:4",      // the step-3 validation record torn          [2]
       "interact/checkpoint-write:1",    // half-written step-4 checkpoint             [2]
       "interact/validation:1",          // during the step-3 validation               [2]
       "interact/checkpoint-commit:2",   // step-6 sealed, not renamed                 [4]
       "interact/summary-write:1",       // adapter, verbalizers, model written        [6]
       // reinforce
       "reinforce/checkpoint-write:2",   // half-written step-4 checkpoint             [2]
       "reinforce/step:2",               // during step 4                              [2]
       "reinforce/validation:2",         // during the step-6 validation               [4]
       "reinforce/metrics-append:1",     // step 5's metrics line torn                 [4]
       "reinforce/summary-write:1"});    // final outputs written, no summary          [6]
  test_support::expect_same_training(dir + "/ref", dir + "/run");
  EXPECT_EQ(io::read_json_file(dir + "/ref/interact/interact.json")["match_counts"],
            io::read_json_file(dir + "/run/interact/interact.json")["match_counts"]);
  auto summary = io::read_json_file(dir + "/run/summary.json");
  EXPECT_EQ(summary["stages"]["reinforce"]["resumed_from"], 6);
  io::remove_tree(dir);
}
