// KvCache rows joining and leaving (continuous batching, infer/continuous_batch.h):
// merged rows are right-aligned with their unused slots masked and keep their
// rotary positions; slots no row uses are dropped after rows leave.
#include <gtest/gtest.h>

#include "vlsi/io/error.h"
#include "vlsi/model/kv_cache.h"

namespace vlsi::model::kv_cache_rows_test {
namespace {

// A one-row cache of `layers` layers holding `length` positions whose keys
// are value + slot index (values: the negatives), 1 kv head, head dim 2.
KvCache filled(int64_t layers, int64_t length, float value, int64_t capacity = 16) {
  KvCache c(layers, capacity);
  c.begin_step(torch::ones({1, length}, torch::kLong));
  auto k = (torch::arange(length, torch::kFloat) + value).view({1, 1, length, 1}).expand({1, 1, length, 2}).contiguous();
  for (int64_t l = 0; l < layers; ++l) c.append(l, k, -k);
  c.end_step();
  return c;
}

TEST(KvCacheRows, AddedRowsAreRightAlignedMaskedAndKeepTheirPositions) {
  KvCache batch = filled(2, 3, 100);
  KvCache joining = filled(2, 5, 200);
  batch.add_rows(joining, 9);
  EXPECT_EQ(batch.batch(), 2);
  EXPECT_EQ(batch.length(), 5);
  EXPECT_EQ(batch.capacity(), 9);
  auto positions = batch.begin_step(torch::ones({2, 1}, torch::kLong));
  EXPECT_EQ(positions[0][0].item<int64_t>(), 3);  // after its own 3 tokens, not after the 5 slots
  EXPECT_EQ(positions[1][0].item<int64_t>(), 5);
  auto mask = batch.key_mask();
  EXPECT_TRUE(torch::equal(mask, torch::tensor({{0, 0, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}}, torch::kLong))) << mask;
  auto [keys, values] = batch.append(0, torch::full({2, 1, 1, 2}, 7.0f), torch::full({2, 1, 1, 2}, -7.0f));
  batch.append(1, torch::zeros({2, 1, 1, 2}), torch::zeros({2, 1, 1, 2}));
  batch.end_step();
  ASSERT_EQ(keys.sizes(), (std::vector<int64_t>{2, 1, 6, 2}));
  EXPECT_TRUE(torch::equal(keys.select(3, 0)[0][0], torch::tensor({0.f, 0.f, 100.f, 101.f, 102.f, 7.f})));
  EXPECT_TRUE(torch::equal(keys.select(3, 0)[1][0], torch::tensor({200.f, 201.f, 202.f, 203.f, 204.f, 7.f})));
  EXPECT_TRUE(torch::equal(values.select(3, 0)[0][0], torch::tensor({0.f, 0.f, -100.f, -101.f, -102.f, -7.f})));
}

TEST(KvCacheRows, SlotsNoRowUsesAreDroppedAfterRowsLeave) {
  KvCache batch = filled(1, 2, 10);
  batch.add_rows(filled(1, 6, 20), 12);  // the first row now has 4 unused slots
  batch.select_rows(torch::tensor({0}, torch::kLong));  // the long row leaves
  EXPECT_EQ(batch.length(), 6);
  batch.drop_unused_prefix();
  EXPECT_EQ(batch.length(), 2);
  EXPECT_TRUE(torch::equal(batch.key_mask(), torch::ones({1, 2}, torch::kLong)));
  batch.begin_step(torch::ones({1, 1}, torch::kLong));
  auto [keys, values] = batch.append(0, torch::full({1, 1, 1, 2}, 5.0f), torch::full({1, 1, 1, 2}, 5.0f));
  batch.end_step();
  EXPECT_TRUE(torch::equal(keys.select(3, 0)[0][0], torch::tensor({10.f, 11.f, 5.f})));
  // Every row gone: nothing is kept, and a new row can join.
  batch.select_rows(torch::zeros({0}, torch::kLong));
  batch.drop_unused_prefix();
  EXPECT_EQ(batch.length(), 0);
  batch.add_rows(filled(1, 3, 30), 8);
  EXPECT_EQ(batch.batch(), 1);
  EXPECT_EQ(batch.length(), 3);
}

TEST(KvCacheRows, MismatchedOrMidStepMergesAreRefused) {
  KvCache batch = filled(2, 3, 0);
  EXPECT_THROW(batch.add_rows(filled(1, 3, 0), 8), Error);  // other layer count
  KvCache empty(2, 4);
  EXPECT_THROW(batch.add_rows(empty, 8), Error);  // no positions
  batch.begin_step(torch::ones({1, 1}, torch::kLong));
  EXPECT_THROW(batch.add_rows(filled(2, 3, 0), 8), Error);  // in the middle of a step
  EXPECT_THROW(batch.drop_unused_prefix(), Error);
}

}  // namespace
}  // namespace vlsi::model::kv_cache_rows_test
