// The divergences (KL, CE, L2 sum/mean, at two temperatures) on logits and
// between verbalized layers, chunked and unchunked, against an independent
// float64 PyTorch reference (tests/distill/divergence_reference.py, run with
// the reference interpreter: a missing torch fails the test).
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstdlib>
#include <iostream>

#include "../support/python_reference.h"
#include "test_util.h"
#include "vlsi/distill/chunked_divergence.h"
#include "vlsi/io/error.h"
#include "vlsi/io/safetensors.h"

using namespace vlsi;
using namespace vlsi::distill;
using distill_support::simple_head;
using distill_support::temp_dir;

namespace {

constexpr int64_t kTokens = 13, kStudentLayers = 2, kTeacherLayers = 4;
const std::vector<double> kTemperatures = {1.0, 2.5};

struct Side {
  std::vector<torch::Tensor> hidden;
  std::vector<Verbalizer> verbalizers;
  torch::Tensor norm, head;
};

Side make_side(int64_t layers, int64_t width, int64_t vocab, VerbalizerForm form, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  Side s;
  s.norm = 1.0 + 0.1 * torch::randn({width}, gen, torch::kFloat);
  s.head = 0.5 * torch::randn({vocab, width}, gen, torch::kFloat);
  VerbalizerOptions o;
  o.form = form;
  o.zero_init_down = false;
  o.init_std = 0.3;
  for (int64_t k = 0; k < layers; ++k) {
    s.hidden.push_back(torch::randn({kTokens, width}, gen, torch::kFloat));
    s.verbalizers.push_back(create_verbalizer(width, simple_head(s.norm, s.head), o, seed * 100 + k));
  }
  return s;
}

void add_side(io::NamedTensors& t, const std::string& side, const Side& s) {
  t.emplace_back(side + ".norm", s.norm);
  t.emplace_back(side + ".head", s.head);
  for (size_t k = 0; k < s.hidden.size(); ++k) {
    auto key = side + "." + std::to_string(k);
    t.emplace_back(side + ".hidden." + std::to_string(k), s.hidden[k]);
    t.emplace_back(key + ".gate", s.verbalizers[k]->gate_proj->weight.detach());
    t.emplace_back(key + ".up", s.verbalizers[k]->up_proj->weight.detach());
    t.emplace_back(key + ".down", s.verbalizers[k]->down_proj->weight.detach());
  }
}

std::vector<LogitSource> sources(const Side& s) {
  std::vector<LogitSource> out;
  for (const auto& v : s.verbalizers) out.push_back(verbalizer_source(v));
  return out;
}

struct OpCase {
  const char* name;
  DivergenceOp op;
  L2Reduction l2;
};
const OpCase kOps[] = {{"kld", DivergenceOp::Kld, L2Reduction::Sum},
                       {"ce", DivergenceOp::Ce, L2Reduction::Sum},
                       {"soft_ce", DivergenceOp::SoftCe, L2Reduction::Sum},
                       {"l2sum", DivergenceOp::L2, L2Reduction::Sum},
                       {"l2mean", DivergenceOp::L2, L2Reduction::Mean}};

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace

TEST(DivergenceReference, LogitsAndVerbalizedLayersMatchPyTorch) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  // Different padded vocab sizes: only the first 33 columns are shared.
  auto teacher_logits = 2.0 * torch::randn({kTokens, 37}, gen, torch::kFloat);
  auto student_logits = 2.0 * torch::randn({kTokens, 33}, gen, torch::kFloat);
  Side teacher = make_side(kTeacherLayers, 12, 37, VerbalizerForm::Plain, 11);
  Side student = make_side(kStudentLayers, 8, 33, VerbalizerForm::Residual, 12);

  std::string dir = temp_dir();
  io::NamedTensors inputs = {{"teacher_logits", teacher_logits}, {"student_logits", student_logits}};
  add_side(inputs, "teacher", teacher);
  add_side(inputs, "student", student);
  io::save_safetensors(dir + "/inputs.safetensors", inputs,
                       {{"t_s", std::to_string(kStudentLayers)},
                        {"t_l", std::to_string(kTeacherLayers)},
                        {"temperatures", "1,2.5"},
                        {"teacher_form", "plain"},
                        {"student_form", "residual"}});
  std::string cmd = test_python::command("tests/distill/divergence_reference.py") + dir + "/inputs.safetensors " +
                    dir + "/ref.safetensors";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << test_python::missing_hint() << ": " << cmd;
  auto ref = io::load_safetensors(dir + "/ref.safetensors");

  double worst = 0;
  auto expect_close = [&](const torch::Tensor& ours, const std::string& key, const std::string& what) {
    ASSERT_TRUE(ref.count(key)) << key;
    ASSERT_EQ(ours.sizes(), ref.at(key).sizes()) << what;
    double err = max_abs_diff(ours, ref.at(key));
    worst = std::max(worst, err);
    EXPECT_LT(err, 1e-5) << what << " vs " << key;
  };

  for (size_t ti = 0; ti < kTemperatures.size(); ++ti)
    for (const auto& c : kOps) {
      DivergenceOptions o;
      o.op = c.op;
      o.l2_reduction = c.l2;
      o.temperature = kTemperatures[ti];
      const std::string suffix = std::string(c.name) + ".T" + std::to_string(ti);
      expect_close(per_token_divergence(teacher_logits, student_logits, o), "per_token." + suffix, "per-token");
      expect_close(mean_divergence(teacher_logits, student_logits, o), "mean." + suffix, "mean");

      // Unchunked: whole [N, V] logits of each verbalized layer.
      auto unchunked = torch::zeros({kStudentLayers, kTeacherLayers}, torch::kDouble);
      {
        torch::NoGradGuard g;
        for (int64_t i = 0; i < kStudentLayers; ++i)
          for (int64_t j = 0; j < kTeacherLayers; ++j)
            unchunked[i][j] = mean_divergence(teacher.verbalizers[j]->forward(teacher.hidden[j]),
                                              student.verbalizers[i]->forward(student.hidden[i]), o)
                                  .item<double>();
      }
      expect_close(unchunked, "D." + suffix, "unchunked D");
      for (int64_t chunk : std::vector<int64_t>{1, 4, kTokens, 1000})
        expect_close(divergence_matrix(teacher.hidden, sources(teacher), student.hidden, sources(student), o, chunk),
                     "D." + suffix, "chunked D, chunk " + std::to_string(chunk));
      // The chosen pairs, with gradient on the student side.
      for (int64_t i = 0; i < kStudentLayers; ++i)
        for (int64_t j = 0; j < kTeacherLayers; ++j) {
          auto h = student.hidden[i].clone().requires_grad_(true);
          auto pair = pair_divergence(teacher.hidden[j], sources(teacher)[j], h, sources(student)[i], o, 3);
          EXPECT_TRUE(pair.requires_grad());
          EXPECT_LT(std::abs(pair.item<double>() - ref.at("D." + suffix)[i][j].item<double>()), 1e-5)
              << "pair " << i << "," << j << " " << suffix;
        }
    }
  std::cout << "[ reference ] worst |ours - float64 PyTorch| over all divergences: " << worst << "\n";
  // Not vacuous: the divergences are far from zero and from each other.
  EXPECT_GT(ref.at("mean.kld.T0").item<double>(), 0.5);
  EXPECT_GT(ref.at("D.kld.T0").std().item<double>(), 0.01);
  EXPECT_GT(std::abs(ref.at("mean.kld.T0").item<double>() - ref.at("mean.kld.T1").item<double>()), 0.1);
}

// ce is the hard-label op: -log q at the teacher's top token (hand-computed), and
// unlike soft_ce its gradient differs from kld's.
TEST(DivergenceReference, HardLabelCrossEntropyTargetsTheTeachersTopToken) {
  auto teacher = torch::tensor({{0.0, 2.0, 1.0}, {3.0, 3.0, 0.0}}, torch::kDouble);  // row 2: a tie -> token 0
  auto student = torch::tensor({{1.0, 0.0, 0.0}, {0.0, 1.0, 2.0}}, torch::kDouble);
  DivergenceOptions ce;
  ce.op = DivergenceOp::Ce;
  auto got = per_token_divergence(teacher, student, ce);
  const double row0 = std::log(std::exp(1.0) + 2.0);                      // -log q_1 with q = softmax(1, 0, 0)
  const double row1 = std::log(1.0 + std::exp(1.0) + std::exp(2.0));      // -log q_0 with q = softmax(0, 1, 2)
  EXPECT_NEAR(got[0].item<double>(), row0, 1e-12);
  EXPECT_NEAR(got[1].item<double>(), row1, 1e-12);

  auto grad_of = [&](DivergenceOp op) {
    auto s = student.clone().requires_grad_(true);
    DivergenceOptions o;
    o.op = op;
    mean_divergence(teacher, s, o).backward();
    return s.grad();
  };
  EXPECT_LT(max_abs_diff(grad_of(DivergenceOp::SoftCe), grad_of(DivergenceOp::Kld)), 1e-12);
  EXPECT_GT(max_abs_diff(grad_of(DivergenceOp::Ce), grad_of(DivergenceOp::Kld)), 0.05);
}

TEST(DivergenceReference, OnlyTheSharedVocabularyCounts) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
  auto t = torch::randn({5, 40}, gen, torch::kFloat);
  auto s = torch::randn({5, 32}, gen, torch::kFloat);
  auto t2 = t.clone();
  t2.narrow(1, 32, 8).add_(50.0);  // the padding columns beyond the student's vocab
  for (auto op : {DivergenceOp::Kld, DivergenceOp::Ce, DivergenceOp::SoftCe, DivergenceOp::L2}) {
    DivergenceOptions o;
    o.op = op;
    EXPECT_LT(max_abs_diff(per_token_divergence(t, s, o), per_token_divergence(t2, s, o)), 1e-6);
    EXPECT_LT(max_abs_diff(per_token_divergence(t, s, o), per_token_divergence(t.narrow(1, 0, 32), s, o)), 1e-6);
  }
  DivergenceOptions none;
  none.op = DivergenceOp::None;
  EXPECT_EQ(per_token_divergence(t, s, none).abs().sum().item<double>(), 0.0);
  // KL of a distribution with itself is zero, and positive otherwise.
  DivergenceOptions kl;
  EXPECT_LT(mean_divergence(s, s, kl).item<double>(), 1e-6);
  EXPECT_GT(mean_divergence(t, s, kl).item<double>(), 0.1);
  EXPECT_THROW(per_token_divergence(t, s.narrow(0, 0, 4), kl), vlsi::Error);
}
