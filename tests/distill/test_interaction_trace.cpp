// read_interaction_trace: the mechanism numbers of an interaction step from its
// metrics.jsonl (their table in results.md: test_ablation_plan.cpp).
#include <gtest/gtest.h>

#include "step_fixture.h"
#include "test_util.h"
#include "vlsi/distill/interaction_trace.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"

using namespace vlsi;
using namespace vlsi::distill;
using io::json;

namespace trace_test {

// 20 logged steps: loss_last 1.0, 0.95, ...; two micro-batches per step whose
// d_spread and matched indices average to known values; a validation line between.
std::string trace_fixture_metrics() {
  std::string out;
  for (int s = 1; s <= 20; ++s) {
    json ev1 = {{"matched", {0, 2}}, {"d_spread", {0.1, 0.3}}, {"band", {{0, 1}, {1, 2}}}};
    json ev2 = {{"matched", {s <= 10 ? 0 : 1, 2}}, {"d_spread", {0.3, 0.5}}, {"band", {{0, 1}, {1, 2}}}};
    json rec = {{"split", "train"}, {"step", s}, {"loss_last", 1.0 - 0.05 * (s - 1)}, {"events", {ev1, ev2}},
                {"kl_layer_5", 2.0 + 0.1 * s}, {"kl_layer_1", 1.0 - 0.01 * s}, {"loss_intermediate", 9.0}};
    out += rec.dump() + "\n";
    if (s == 10) out += json{{"split", "val"}, {"step", s}, {"val_loss", 9.0}}.dump() + "\n";
  }
  return out;
}

}  // namespace trace_test

using trace_test::trace_fixture_metrics;

TEST(InteractionTrace, AveragesTheFirstAndLastTenthOfTheSteps) {
  std::string dir = distill_support::temp_dir();
  io::write_file_atomic(dir + "/metrics.jsonl", trace_fixture_metrics());
  auto t = read_interaction_trace(dir + "/metrics.jsonl");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->steps, 20);
  EXPECT_EQ(t->window, 2);
  EXPECT_NEAR(*t->last_loss_start, 0.975, 1e-12);  // steps 1-2
  EXPECT_NEAR(*t->last_loss_end, 0.075, 1e-12);    // steps 19-20: 0.1 and 0.05
  ASSERT_EQ(t->d_spread_mean.size(), 2u);
  EXPECT_NEAR(t->d_spread_mean[0], 0.2, 1e-12);
  EXPECT_NEAR(t->d_spread_mean[1], 0.4, 1e-12);
  ASSERT_EQ(t->matched_start.size(), 2u);
  EXPECT_NEAR(t->matched_start[0], 0.0, 1e-12);
  EXPECT_NEAR(t->matched_end[0], 0.5, 1e-12);  // micro-batches 0 and 1
  EXPECT_NEAR(t->matched_end[1], 2.0, 1e-12);
  // Layer order, not key order: layer 1 before layer 5.
  ASSERT_EQ(t->layer_loss_start.size(), 2u);
  EXPECT_NEAR(t->layer_loss_start[0], 0.985, 1e-12);  // steps 1-2
  EXPECT_NEAR(t->layer_loss_end[0], 0.805, 1e-12);    // steps 19-20
  EXPECT_NEAR(t->layer_loss_start[1], 2.15, 1e-12);
  EXPECT_NEAR(t->layer_loss_end[1], 3.95, 1e-12);
  EXPECT_FALSE(read_interaction_trace(dir + "/none.jsonl").has_value());

  // A step without matching or last-layer loss (SFT in the interaction's place).
  io::write_file_atomic(dir + "/sft.jsonl", json{{"split", "train"}, {"step", 1}, {"loss", 2.0}}.dump() + "\n");
  auto sft = read_interaction_trace(dir + "/sft.jsonl");
  ASSERT_TRUE(sft.has_value());
  EXPECT_FALSE(sft->last_loss_start.has_value());
  EXPECT_TRUE(sft->matched_start.empty());
  EXPECT_TRUE(sft->layer_loss_start.empty());
  io::remove_tree(dir);
}
