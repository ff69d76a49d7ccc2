// The verbalizer module: SwiGLU verb-FFN, residual/plain forms, the shared (not
// copied) output head, seeded init, and the logit-lens property on a tiny VLM.
#include <gtest/gtest.h>

#include <set>

#include "test_util.h"
#include "vlsi/distill/verbalizer_set.h"
#include "vlsi/io/error.h"
#include "vlsi/model/init.h"

using namespace vlsi;
using namespace vlsi::distill;
using distill_support::simple_head;
using distill_support::tiny_vlm_config;

namespace {

struct TinyRun {
  model::CausalVlm model{nullptr};
  model::VlmOutput out;
};

TinyRun run_tiny_model() {
  TinyRun r;
  r.model = model::create_model(tiny_vlm_config(), 31);
  auto ids = torch::remainder(torch::arange(2 * 9, torch::kLong) * 5 + 1, 95).view({2, 9});
  torch::NoGradGuard g;
  r.out = r.model->forward(ids, model::VisionInputs(), torch::Tensor(), {/*output_layer_hidden_states=*/true, true});
  return r;
}

double verbalizer_max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

}  // namespace

TEST(Verbalizer, VerbFfnIsSwiGluWithoutExpansionOrBias) {
  VerbalizerOptions drawn;
  drawn.zero_init_down = false;
  auto ffn = create_verbalizer(6, simple_head(torch::ones({6}), torch::randn({9, 6})), drawn, 2);
  std::set<std::string> names;
  for (const auto& p : ffn->named_parameters()) {
    names.insert(p.key());
    EXPECT_EQ(p.value().sizes(), (std::vector<int64_t>{6, 6})) << p.key();
  }
  EXPECT_EQ(names, (std::set<std::string>{"gate_proj.weight", "up_proj.weight", "down_proj.weight"}));
  auto x = torch::randn({3, 6});
  auto expected = torch::matmul(torch::silu(torch::matmul(x, ffn->gate_proj->weight.t())) *
                                    torch::matmul(x, ffn->up_proj->weight.t()),
                                ffn->down_proj->weight.t());
  torch::NoGradGuard g;
  EXPECT_LT(verbalizer_max_abs_diff(ffn->ffn(x), expected), 1e-6);
  EXPECT_LT(verbalizer_max_abs_diff(ffn->transform(x), x + expected), 1e-6);
}

TEST(Verbalizer, LinearArchitectureIsOneProjection) {
  auto r = run_tiny_model();
  VerbalizerOptions linear;
  linear.architecture = VerbalizerArchitecture::Linear;
  auto v = create_verbalizer(64, output_head_of(r.model), linear, 5);
  std::set<std::string> names;
  for (const auto& p : v->named_parameters()) names.insert(p.key());
  EXPECT_EQ(names, (std::set<std::string>{"proj.weight"}));
  EXPECT_EQ(v->proj->weight.sizes(), (std::vector<int64_t>{64, 64}));
  EXPECT_TRUE(v->gate_proj.is_empty() && v->down_proj.is_empty());
  // Residual with a zero projection: the logit lens, as the verb-FFN default.
  const auto& h = r.out.layer_hidden_states[1];
  torch::NoGradGuard g;
  EXPECT_EQ(v->proj->weight.abs().max().item<double>(), 0.0);
  EXPECT_TRUE(v->forward(h).equal(r.model->logits_from_hidden(h)));
  // Plain form: head(proj(h)), with proj drawn.
  linear.form = VerbalizerForm::Plain;
  auto plain = create_verbalizer(64, output_head_of(r.model), linear, 5);
  EXPECT_NEAR(plain->proj->weight.std().item<double>(), 0.02, 0.005);
  auto expected = r.model->logits_from_hidden(torch::matmul(h, plain->proj->weight.t()));
  EXPECT_LT(verbalizer_max_abs_diff(plain->forward(h), expected), 1e-5);
  EXPECT_EQ(verbalizer_architecture_from_name("linear", "x"), VerbalizerArchitecture::Linear);
  EXPECT_EQ(std::string(verbalizer_architecture_name(VerbalizerArchitecture::Ffn)), "ffn");
  EXPECT_THROW(verbalizer_architecture_from_name("decoder", "x"), vlsi::Error);
}

TEST(Verbalizer, ZeroInitResidualVerbalizerIsTheLogitLens) {
  auto r = run_tiny_model();
  ASSERT_EQ(r.out.layer_hidden_states.size(), 4u);
  auto head = output_head_of(r.model);
  // The lens of the last layer is the model's own output: the head pieces are the real ones.
  EXPECT_LT(verbalizer_max_abs_diff(head(r.out.layer_hidden_states.back()), r.out.logits), 1e-5);

  VerbalizerSet set(std::vector<int64_t>{0, 1, 2}, 64, head, VerbalizerOptions{}, 4);
  torch::NoGradGuard g;
  for (int64_t layer : {0, 1, 2}) {
    const auto& h = r.out.layer_hidden_states[layer];
    auto lens = r.model->lm_head(r.model->final_norm(h));
    auto& v = set->at_layer(layer);
    EXPECT_EQ(v->down_proj->weight.abs().max().item<double>(), 0.0);
    EXPECT_TRUE(v->forward(h).equal(lens)) << "layer " << layer;
    // Not vacuous: the layers say different things, and a trained FFN changes the output.
    if (layer > 0) EXPECT_GT(verbalizer_max_abs_diff(lens, r.model->logits_from_hidden(r.out.layer_hidden_states[layer - 1])), 1e-3);
  }
  for (auto& w : set->at_layer(1)->parameters()) w.normal_(0, 0.3);
  const auto& h1 = r.out.layer_hidden_states[1];
  EXPECT_GT(verbalizer_max_abs_diff(set->at_layer(1)->forward(h1), r.model->logits_from_hidden(h1)), 1e-3);
}

TEST(Verbalizer, HeadIsSharedNotCopiedOrRegistered) {
  auto r = run_tiny_model();
  auto v = create_verbalizer(64, output_head_of(r.model), VerbalizerOptions{}, 1);
  EXPECT_EQ(v->parameters().size(), 3u);
  int64_t count = 0;
  for (const auto& p : v->parameters()) count += p.numel();
  EXPECT_EQ(count, 3 * 64 * 64);
  // Changing the backbone's final norm changes what the verbalizer says: it is the same tensor.
  const auto& h = r.out.layer_hidden_states[2];
  torch::NoGradGuard g;
  auto before = v->forward(h);
  r.model->final_norm_weight().mul_(2.0);
  auto after = v->forward(h);
  EXPECT_LT(verbalizer_max_abs_diff(after, r.model->logits_from_hidden(h)), 1e-5);
  EXPECT_GT(verbalizer_max_abs_diff(after, before), 1e-3);
  // The head's tensors are reported for gradient bookkeeping, by identity.
  ASSERT_EQ(v->head().parameters.size(), 2u);
  EXPECT_TRUE(v->head().parameters[0].is_same(r.model->final_norm_weight()));
  EXPECT_TRUE(v->head().parameters[1].is_same(r.model->lm_head_weight()));
}

TEST(Verbalizer, PlainFormAndSeededInit) {
  auto norm = torch::ones({8});
  auto headw = torch::randn({11, 8});
  auto head = simple_head(norm, headw);
  VerbalizerOptions plain;
  plain.form = VerbalizerForm::Plain;
  auto v = create_verbalizer(8, head, plain, 3);
  EXPECT_GT(v->down_proj->weight.abs().max().item<double>(), 0.0) << "plain form never zero-initialises down_proj";
  auto h = torch::randn({4, 8});
  torch::NoGradGuard g;
  EXPECT_LT(verbalizer_max_abs_diff(v->forward(h), head(v->ffn(h))), 1e-6);
  EXPECT_LT(verbalizer_max_abs_diff(v->transform(h), v->ffn(h)), 1e-7);
  VerbalizerOptions residual_drawn;
  residual_drawn.zero_init_down = false;
  auto rv = create_verbalizer(8, head, residual_drawn, 3);
  EXPECT_LT(verbalizer_max_abs_diff(rv->transform(h), h + rv->ffn(h)), 1e-6);

  // Same seed, same weights; the global RNG is untouched by creation.
  torch::manual_seed(5);
  auto expected_next = torch::rand({3});
  torch::manual_seed(5);
  auto a = create_verbalizer(8, head, plain, 42);
  auto next = torch::rand({3});
  EXPECT_TRUE(next.equal(expected_next));
  auto b = create_verbalizer(8, head, plain, 42);
  auto c = create_verbalizer(8, head, plain, 43);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(a->parameters()[i].equal(b->parameters()[i]));
    EXPECT_FALSE(a->parameters()[i].equal(c->parameters()[i]));
  }
  EXPECT_NEAR(a->gate_proj->weight.std().item<double>(), 0.02, 0.005);
  EXPECT_THROW(v->forward(torch::randn({2, 7})), vlsi::Error);
  EXPECT_EQ(verbalizer_form_from_name("plain", "x"), VerbalizerForm::Plain);
  EXPECT_THROW(verbalizer_form_from_name("linear", "x"), vlsi::Error);
}

TEST(Verbalizer, SetNamesParametersByLayer) {
  auto head = simple_head(torch::ones({8}), torch::randn({11, 8}));
  VerbalizerSet set(std::vector<int64_t>{2, 6, 10}, 8, head, VerbalizerOptions{}, 0);
  std::set<std::string> names;
  for (const auto& p : set->named_parameters()) names.insert(p.key());
  std::set<std::string> expected;
  for (int layer : {2, 6, 10})
    for (const char* proj : {"gate_proj", "up_proj", "down_proj"})
      expected.insert("verbalizers." + std::to_string(layer) + "." + proj + ".weight");
  EXPECT_EQ(names, expected);
  EXPECT_TRUE(set->has_layer(6));
  EXPECT_FALSE(set->has_layer(7));
  EXPECT_THROW(set->at_layer(7), vlsi::Error);
  EXPECT_TRUE((*set)[1]->gate_proj->weight.is_same(set->at_layer(6)->gate_proj->weight));
  // Each layer draws its own weights.
  EXPECT_FALSE(set->at_layer(2)->gate_proj->weight.equal(set->at_layer(6)->gate_proj->weight));
  EXPECT_THROW(VerbalizerSet(std::vector<int64_t>{6, 2}, 8, head), vlsi::Error);
}
