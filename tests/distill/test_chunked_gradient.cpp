// Chunked losses with gradient (pair_divergence, token_cross_entropy): the
// value and every gradient equal the unchunked autograd computation, whatever
// the chunk size, and the surrogate composes with scaling and no-grad mode.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include "test_util.h"
#include "vlsi/distill/chunked_divergence.h"
#include "vlsi/distill/token_cross_entropy.h"
#include "vlsi/io/error.h"

using namespace vlsi;
using namespace vlsi::distill;
using distill_support::simple_head;

namespace {

// A student "backbone" (hidden = tanh(x @ A)) so gradients must flow through the
// hidden states into parameters that produced them, as LoRA's do.
struct StudentCase {
  torch::Tensor x, a, norm, head, teacher_hidden, teacher_norm, teacher_head;
  Verbalizer student{nullptr}, teacher{nullptr};
};

StudentCase make_setup(bool head_trainable) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(99);
  StudentCase s;
  const int64_t n = 11, width = 10, vocab = 29;
  s.x = torch::randn({n, 6}, gen, torch::kDouble);
  s.a = (0.5 * torch::randn({6, width}, gen, torch::kDouble)).requires_grad_(true);
  s.norm = (1.0 + 0.1 * torch::randn({width}, gen, torch::kDouble)).requires_grad_(head_trainable);
  s.head = (0.4 * torch::randn({vocab, width}, gen, torch::kDouble)).requires_grad_(head_trainable);
  s.teacher_hidden = torch::randn({n, 14}, gen, torch::kDouble);
  s.teacher_norm = 1.0 + 0.1 * torch::randn({14}, gen, torch::kDouble);
  s.teacher_head = 0.4 * torch::randn({vocab + 3, 14}, gen, torch::kDouble);
  VerbalizerOptions o;
  o.zero_init_down = false;
  o.init_std = 0.3;
  s.student = create_verbalizer(width, simple_head(s.norm, s.head), o, 5);
  s.student->to(torch::kDouble);
  s.teacher = create_verbalizer(14, simple_head(s.teacher_norm, s.teacher_head), o, 6);
  s.teacher->to(torch::kDouble);
  for (auto& p : s.teacher->parameters()) p.requires_grad_(false);
  return s;
}

std::vector<torch::Tensor> grads_of(const StudentCase& s) {
  std::vector<torch::Tensor> g = {s.a};
  for (auto& p : s.student->parameters()) g.push_back(p);
  if (s.norm.requires_grad()) g.push_back(s.norm);
  if (s.head.requires_grad()) g.push_back(s.head);
  return g;
}

// Gradients of `loss` with respect to every trainable tensor of the setup.
std::vector<torch::Tensor> gradients(const torch::Tensor& loss, const StudentCase& s) {
  return torch::autograd::grad({loss}, grads_of(s), {}, false, false, true);
}

void expect_same(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(a[i].defined() && b[i].defined()) << what << " gradient " << i;
    double scale = std::max(1e-12, b[i].abs().max().item<double>());
    EXPECT_LT((a[i] - b[i]).abs().max().item<double>() / scale, 1e-10) << what << " gradient " << i;
    EXPECT_GT(scale, 1e-8) << what << " gradient " << i << " is zero: the check would be vacuous";
  }
}

}  // namespace

TEST(ChunkedGradient, PairDivergenceEqualsUnchunkedAutograd) {
  for (bool head_trainable : {false, true})
    for (auto op : {DivergenceOp::Kld, DivergenceOp::Ce, DivergenceOp::SoftCe, DivergenceOp::L2}) {
      StudentCase s = make_setup(head_trainable);
      DivergenceOptions o;
      o.op = op;
      o.temperature = op == DivergenceOp::Ce || op == DivergenceOp::SoftCe ? 1.7 : 1.0;
      auto hidden = torch::tanh(s.x.matmul(s.a));
      torch::Tensor ref_logits;
      {
        torch::NoGradGuard g;
        ref_logits = s.teacher->forward(s.teacher_hidden);
      }
      auto ref = mean_divergence(ref_logits, s.student->forward(hidden), o);
      auto ref_grads = gradients(ref, s);
      for (int64_t chunk : {1, 4, 11, 64}) {
        auto h = torch::tanh(s.x.matmul(s.a));
        auto loss = pair_divergence(s.teacher_hidden, verbalizer_source(s.teacher), h, verbalizer_source(s.student), o,
                                    chunk);
        EXPECT_NEAR(loss.item<double>(), ref.item<double>(), 1e-6) << "chunk " << chunk;
        expect_same(gradients(loss, s), ref_grads,
                    std::string(divergence_op_name(op)) + " chunk " + std::to_string(chunk));
      }
    }
}

TEST(ChunkedGradient, SurrogateScalesAndComposesAndRespectsNoGrad) {
  StudentCase s = make_setup(false);
  DivergenceOptions o;
  auto h = torch::tanh(s.x.matmul(s.a));
  auto loss = pair_divergence(s.teacher_hidden, verbalizer_source(s.teacher), h, verbalizer_source(s.student), o, 3);
  auto extra = s.a.pow(2).sum();
  auto combined = gradients(3.0 * loss + extra, s);
  auto single = gradients(pair_divergence(s.teacher_hidden, verbalizer_source(s.teacher), torch::tanh(s.x.matmul(s.a)),
                                          verbalizer_source(s.student), o, 3),
                          s);
  auto extra_grad = torch::autograd::grad({s.a.pow(2).sum()}, {s.a})[0];
  EXPECT_LT((combined[0] - (3.0 * single[0] + extra_grad)).abs().max().item<double>(), 1e-10);
  for (size_t i = 1; i < combined.size(); ++i)
    EXPECT_LT((combined[i] - 3.0 * single[i]).abs().max().item<double>(), 1e-10);
  // No-grad mode: the same value, no graph.
  torch::NoGradGuard g;
  auto plain = pair_divergence(s.teacher_hidden, verbalizer_source(s.teacher), torch::tanh(s.x.matmul(s.a)),
                               verbalizer_source(s.student), o, 3);
  EXPECT_FALSE(plain.requires_grad());
  EXPECT_NEAR(plain.item<double>(), loss.item<double>(), 1e-7);
}

TEST(ChunkedGradient, NoneOpIsZeroWithoutFailing) {
  StudentCase s = make_setup(false);
  DivergenceOptions o;
  o.op = DivergenceOp::None;
  auto loss = pair_divergence(s.teacher_hidden, verbalizer_source(s.teacher), torch::tanh(s.x.matmul(s.a)),
                              verbalizer_source(s.student), o, 4);
  EXPECT_EQ(loss.item<double>(), 0.0);
}

TEST(ChunkedGradient, TokenCrossEntropyEqualsUnchunked) {
  StudentCase s = make_setup(true);
  auto targets = torch::remainder(torch::arange(11, torch::kLong) * 7 + 3, 29);
  auto ref = torch::nn::functional::cross_entropy(s.student->forward(torch::tanh(s.x.matmul(s.a))), targets);
  auto ref_grads = gradients(ref, s);
  for (int64_t chunk : {1, 5, 100}) {
    auto loss = token_cross_entropy(torch::tanh(s.x.matmul(s.a)), verbalizer_source(s.student), targets, chunk);
    EXPECT_NEAR(loss.item<double>(), ref.item<double>(), 1e-6);
    expect_same(gradients(loss, s), ref_grads, "cross-entropy chunk " + std::to_string(chunk));
  }
  auto bad = targets.clone();
  bad[3] = 29;
  EXPECT_THROW(token_cross_entropy(s.x.matmul(s.a), verbalizer_source(s.student), bad, 4), vlsi::Error);
}

TEST(ChunkedGradient, AnswerRowsSelectMaskedPositionsInOrder) {
  auto hidden = torch::arange(2 * 4 * 3, torch::kFloat).view({2, 4, 3});
  auto mask = torch::tensor({0, 1, 1, 0, 1, 0, 0, 1}, torch::kLong).view({2, 4});
  auto rows = answer_rows(hidden, mask);
  ASSERT_EQ(rows.sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_TRUE(rows[0].equal(hidden[0][1]));
  EXPECT_TRUE(rows[1].equal(hidden[0][2]));
  EXPECT_TRUE(rows[2].equal(hidden[1][0]));
  EXPECT_TRUE(rows[3].equal(hidden[1][3]));
}
