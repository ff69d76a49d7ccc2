// `vlsi distill` under `torchrun --nproc-per-node 2` (issue 13): every stage
// (both verbalization steps, the interaction step with its sampled layer
// matching, the reinforcement step) trains as the one-process run with the
// same global batch does: the same matched layers at every step, losses and the
// final student's weights within 1e-5 relative.
#include <gtest/gtest.h>

#include "../cli/data_parallel_support.h"
#include "step_fixture.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"

using namespace vlsi;
using io::json;

namespace data_parallel_distill {

json recipe(const std::string& dir, const std::string& out) { return test_support::short_recipe(dir, out, 8); }

TEST(DataParallelDistill, TwoProcessesRunTheRecipeAsOne) {
  const std::string dir = test_support::fresh_dir("dp_distill");
  test_support::make_distill_fixture(dir, 64);
  io::write_json_file(dir + "/one.json", recipe(dir, dir + "/one"));
  io::write_json_file(dir + "/two.json", recipe(dir, dir + "/two"));
  auto one = test_support::run_cli("distill --config " + dir + "/one.json");
  ASSERT_EQ(one.code, 0) << one.output;
  auto two = test_support::run_torchrun(2, "distill --config " + dir + "/two.json");
  ASSERT_EQ(two.code, 0) << two.output;

  for (const char* stage : {"verbalize_teacher", "verbalize_student", "interact", "reinforce"}) {
    SCOPED_TRACE(stage);
    test_support::expect_same_losses(dir + "/one/" + stage + "/metrics.jsonl", dir + "/two/" + stage + "/metrics.jsonl",
                                     1e-5);
  }
  // The matched layer pairs were sampled (temperature matching): identical steps prove every rank agreed.
  auto matched = test_support::train_records(dir + "/two/interact/metrics.jsonl");
  ASSERT_FALSE(matched.empty());
  EXPECT_TRUE(matched.begin()->second.contains("events"));
  EXPECT_EQ(io::read_json_file(dir + "/one/interact/interact.json")["match_counts"],
            io::read_json_file(dir + "/two/interact/interact.json")["match_counts"]);
  test_support::expect_same_weights(dir + "/one/student", dir + "/two/student", 1e-5);
  io::remove_tree(dir);
}

}  // namespace data_parallel_distill
