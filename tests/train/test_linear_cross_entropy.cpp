// linear_cross_entropy against libtorch's own linear + cross_entropy: value and
// gradients, for every chunking, upstream scaling, and the bf16 rounding that
// transformers' head applies.
#include <gtest/gtest.h>

#include "vlsi/train/linear_cross_entropy.h"
#include "vlsi/train/lm_loss.h"

namespace vlsi::train {
namespace {

struct Case {
  torch::Tensor hidden, weight, targets;
};

Case make_case(torch::ScalarType dtype, int64_t n = 13, int64_t h = 24, int64_t v = 97, uint64_t seed = 7) {
  torch::manual_seed(seed);
  Case c;
  c.hidden = (torch::randn({n, h}) * 2).to(dtype).requires_grad_(true);
  c.weight = (torch::randn({v, h}) * 0.5).to(dtype).requires_grad_(true);
  c.targets = torch::randint(0, v, {n}, torch::kLong);
  return c;
}

// transformers' way: logits in the weight's dtype, upcast, cross-entropy.
torch::Tensor reference_loss(const Case& c) {
  auto logits = torch::linear(c.hidden, c.weight);
  if (logits.scalar_type() != torch::kDouble) logits = logits.to(torch::kFloat);
  return torch::nn::functional::cross_entropy(logits, c.targets);
}

struct Grads {
  torch::Tensor loss, hidden, weight;
};

Grads run(const Case& c, bool fused, int64_t chunk, double upstream = 1.0) {
  c.hidden.mutable_grad() = torch::Tensor();
  c.weight.mutable_grad() = torch::Tensor();
  auto loss = fused ? linear_cross_entropy(c.hidden, c.weight, c.targets, chunk) : reference_loss(c);
  (loss * upstream).backward();
  return {loss.detach(), c.hidden.grad().clone(), c.weight.grad().clone()};
}

TEST(LinearCrossEntropy, MatchesTorchInDoubleForEveryChunking) {
  auto c = make_case(torch::kDouble);
  auto want = run(c, false, 0);
  for (int64_t chunk : {1, 4, 13, 100, 0}) {
    auto got = run(c, true, chunk);
    EXPECT_EQ(got.loss.scalar_type(), torch::kDouble);
    EXPECT_NEAR(got.loss.item<double>(), want.loss.item<double>(), 1e-12) << "chunk " << chunk;
    EXPECT_TRUE(torch::allclose(got.hidden, want.hidden, 1e-10, 1e-12)) << "chunk " << chunk;
    EXPECT_TRUE(torch::allclose(got.weight, want.weight, 1e-10, 1e-12)) << "chunk " << chunk;
  }
}

TEST(LinearCrossEntropy, ScalesGradientsByTheUpstreamGradient) {
  auto c = make_case(torch::kFloat);
  auto want = run(c, false, 0, 2.5);
  auto got = run(c, true, 5, 2.5);
  EXPECT_EQ(got.loss.scalar_type(), torch::kFloat);
  EXPECT_NEAR(got.loss.item<double>(), want.loss.item<double>(), 1e-5);
  EXPECT_TRUE(torch::allclose(got.hidden, want.hidden, 1e-4, 1e-6));
  EXPECT_TRUE(torch::allclose(got.weight, want.weight, 1e-4, 1e-6));
}

TEST(LinearCrossEntropy, Bfloat16RoundsLikeTransformersHead) {
  // Logits rounded to bf16 before the float loss, gradients cast to bf16 before
  // the products: the same roundings as the unchunked bf16 path.
  auto c = make_case(torch::kBFloat16, 40, 64, 300);
  auto want = run(c, false, 0);
  auto got = run(c, true, 7);
  EXPECT_EQ(got.loss.scalar_type(), torch::kFloat);
  EXPECT_NEAR(got.loss.item<double>(), want.loss.item<double>(), 1e-5);
  EXPECT_EQ(got.hidden.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::allclose(got.hidden.to(torch::kFloat), want.hidden.to(torch::kFloat), 2e-2, 1e-4));
  EXPECT_TRUE(torch::allclose(got.weight.to(torch::kFloat), want.weight.to(torch::kFloat), 2e-2, 1e-4));
}

TEST(LinearCrossEntropy, OnlyTheInputsThatRequireGradGetOne) {
  auto c = make_case(torch::kFloat);
  c.weight = c.weight.detach();
  linear_cross_entropy(c.hidden, c.weight, c.targets, 3).backward();
  EXPECT_TRUE(c.hidden.grad().defined());
  EXPECT_FALSE(c.weight.grad().defined());
}

TEST(LinearCrossEntropy, NoGradModeGivesTheValueWithoutAGraph) {
  auto c = make_case(torch::kFloat);
  const double want = reference_loss(c).item<double>();
  torch::NoGradGuard no_grad;
  auto loss = linear_cross_entropy(c.hidden, c.weight, c.targets, 4);
  EXPECT_FALSE(loss.requires_grad());
  EXPECT_NEAR(loss.item<double>(), want, 1e-5);
}

TEST(LinearCrossEntropy, RefusesTargetsOutsideTheVocabulary) {
  auto c = make_case(torch::kFloat);
  c.targets[3] = 97;
  try {
    linear_cross_entropy(c.hidden, c.weight, c.targets);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("outside the vocabulary of 97"), std::string::npos) << e.what();
  }
}

TEST(CausalLmLoss, ScoresOnlyLabelledNextTokens) {
  torch::manual_seed(3);
  auto hidden = torch::randn({2, 5, 8}, torch::kDouble).requires_grad_(true);
  auto weight = torch::randn({11, 8}, torch::kDouble);
  auto labels = torch::tensor({-100, -100, 4, 7, -100, -100, 1, 2, 3, 10}, torch::kLong).view({2, 5});
  auto loss = causal_lm_loss(hidden, labels, weight);
  // Position t predicts label t+1: (0,1)->4, (0,2)->7, (1,0)->1, (1,1)->2, (1,2)->3, (1,3)->10.
  auto rows = torch::stack({hidden[0][1], hidden[0][2], hidden[1][0], hidden[1][1], hidden[1][2], hidden[1][3]});
  auto want = torch::nn::functional::cross_entropy(torch::linear(rows, weight),
                                                   torch::tensor({4, 7, 1, 2, 3, 10}, torch::kLong));
  EXPECT_NEAR(loss.item<double>(), want.item<double>(), 1e-12);
}

}  // namespace
}  // namespace vlsi::train
