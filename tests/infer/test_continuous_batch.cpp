// Continuous batching: rows that join and leave a running batch decode as
// they would alone (KvCache::add_rows / drop_unused_prefix, ContinuousBatch).
#include <gtest/gtest.h>

#include <map>

#include "infer_fixture.h"
#include "vlsi/infer/continuous_batch.h"
#include "vlsi/infer/generate.h"
#include "vlsi/io/error.h"

namespace vlsi::infer::continuous_batch_test {
namespace {

using testing::prompt_batch;
using testing::tiny_model;

model::VisionInputs images_of(const testing::PromptBatch& b, size_t i) {
  return i == 0 ? model::VisionInputs() : b.images.slice(int64_t(i) - 1, 1);
}

// Per-step logits of one prompt decoded alone through a one-member batch, greedily.
std::vector<torch::Tensor> alone_logits(model::CausalVlm& m, const testing::PromptBatch& b, size_t i, int64_t steps) {
  ContinuousBatch batch(m, 0);
  auto row = batch.prefill(b.prompts[i], images_of(b, i), steps + 1);
  std::vector<torch::Tensor> out{row.logits};
  batch.join(std::move(row));
  for (int64_t s = 0; s < steps; ++s) out.push_back(batch.step(out.back().argmax(-1)));
  return out;
}

TEST(ContinuousBatch, MembersJoiningAndLeavingDecodeAsTheyWouldAlone) {
  auto m = tiny_model();
  auto b = prompt_batch(m->config().single_tile_image_tokens());
  const int64_t steps = 10;
  // Schedule: prompt 2 (longest) starts, prompt 0 joins after 2 steps, prompt 1
  // after 4; prompt 2 leaves after 7 steps while the others go on.
  ContinuousBatch batch(m, 0);
  std::vector<size_t> members;                      // prompt index of each row
  std::map<size_t, std::vector<torch::Tensor>> seen;  // prompt -> logits per step
  std::vector<torch::Tensor> last;                  // each row's newest logits
  auto join = [&](size_t i) {
    auto row = batch.prefill(b.prompts[i], images_of(b, i), steps + 3);  // prompt 0 stays 12 steps
    seen[i].push_back(row.logits);
    last.push_back(row.logits);
    batch.join(std::move(row));
    members.push_back(i);
  };
  auto step = [&] {
    auto tokens = torch::cat(last).argmax(-1);
    auto logits = batch.step(tokens);
    for (size_t r = 0; r < members.size(); ++r) {
      last[r] = logits.narrow(0, int64_t(r), 1);
      seen[members[r]].push_back(last[r]);
    }
  };
  join(2);
  step(), step();
  join(0);
  step(), step();
  join(1);
  for (int s = 0; s < 3; ++s) step();
  batch.leave({0});  // prompt 2 leaves after 7 steps
  members.erase(members.begin());
  last.erase(last.begin());
  while (seen[1].size() < size_t(steps) + 1) step();
  EXPECT_EQ(batch.size(), 2);
  for (size_t i = 0; i < 3; ++i) {
    auto alone = alone_logits(m, b, i, steps + 2);
    ASSERT_LE(seen[i].size(), alone.size());
    for (size_t s = 0; s < seen[i].size(); ++s) {
      EXPECT_TRUE(torch::allclose(seen[i][s], alone[s], 1e-4, 1e-4))
          << "prompt " << i << " step " << s << ": " << (seen[i][s] - alone[s]).abs().max();
      EXPECT_EQ(seen[i][s].argmax(-1).item<int64_t>(), alone[s].argmax(-1).item<int64_t>());
    }
  }
}

TEST(ContinuousBatch, GreedyTokensEqualGenerate) {
  auto m = tiny_model();
  auto b = prompt_batch(m->config().single_tile_image_tokens());
  GenerationOptions o;
  o.max_new_tokens = 8;
  for (size_t i = 0; i < 3; ++i) {
    auto expected = generate(m, {b.prompts[i]}, images_of(b, i), o)[0].tokens;
    auto logits = alone_logits(m, b, i, 7);
    std::vector<int64_t> got;
    for (auto& l : logits) got.push_back(l.argmax(-1).item<int64_t>());
    EXPECT_EQ(got, expected) << "prompt " << i;
  }
}

TEST(ContinuousBatch, TheCacheStaysBoundedAsMembersComeAndGo) {
  auto m = tiny_model();
  auto b = prompt_batch(m->config().single_tile_image_tokens());
  ContinuousBatch batch(m, 0);
  batch.join(batch.prefill(b.prompts[0], {}, 6));
  // 40 generations of members, each staying 6 steps: without dropping unused
  // slots the shared cache would reach 40 * 3 positions past the prompt.
  const int64_t prompt = int64_t(b.prompts[0].size());
  for (int g = 0; g < 40; ++g) {
    batch.join(batch.prefill(b.prompts[0], {}, 6));
    auto tokens = torch::zeros({batch.size()}, torch::kLong);
    for (int s = 0; s < 3; ++s) batch.step(tokens);
    batch.leave({0});
    EXPECT_LE(batch.cache_length(), prompt + 6) << "generation " << g;
  }
  EXPECT_EQ(batch.size(), 1);
  EXPECT_THROW(batch.leave({5}), Error);
}

}  // namespace
}  // namespace vlsi::infer::continuous_batch_test
