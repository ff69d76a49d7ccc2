// Gradient checkpointing (issue 13): recomputing each decoder layer in the
// backward pass gives the gradients of the plain backward (every parameter,
// intermediate-layer losses included, a frozen embedding in front), repeats
// LoRA dropout's draws, and is off outside training.
#include <gtest/gtest.h>

#include "tiny_model.h"
#include "vlsi/model/init.h"
#include "vlsi/model/lora_model.h"

using namespace vlsi;
using namespace vlsi::model;

namespace gradient_checkpointing_tests {

// A loss that reads the final logits and every layer's output (as verbalizers do).
torch::Tensor loss_of(CausalVlm& m) {
  auto ids = test_support::make_ids(10, 0, 0, 0, 5).unsqueeze(0).repeat({2, 1});
  auto mask = torch::ones_like(ids);
  mask[1].narrow(0, 7, 3).zero_();  // padding in the second row
  ForwardOptions fo;
  fo.output_layer_hidden_states = true;
  auto out = m->forward(ids, VisionInputs(), mask, fo);
  torch::Tensor loss = out.logits.to(torch::kFloat).log_softmax(-1).mean();
  for (const auto& h : out.layer_hidden_states) loss = loss + h.pow(2).mean();
  return loss;
}

std::map<std::string, torch::Tensor> grads_of(CausalVlm& m, bool checkpointing, uint64_t rng_seed = 0) {
  m->train(true);
  m->set_gradient_checkpointing(checkpointing);
  m->zero_grad();
  torch::manual_seed(rng_seed);
  loss_of(m).backward();
  std::map<std::string, torch::Tensor> g;
  for (const auto& p : m->named_parameters())
    if (p.value().grad().defined()) g[p.key()] = p.value().grad().clone();
  return g;
}

void expect_same_grads(const std::map<std::string, torch::Tensor>& a, const std::map<std::string, torch::Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, g] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    const double scale = std::max(1e-6, g.abs().max().item<double>());
    EXPECT_LE((g - b.at(name)).abs().max().item<double>(), 1e-5 * scale) << name;
  }
}

TEST(GradientCheckpointing, SameGradientsAsThePlainBackward) {
  auto m = create_model(test_support::tiny_config(), 4);
  auto plain = grads_of(m, false);
  auto recomputed = grads_of(m, true);
  EXPECT_GT(plain.size(), 10u);
  expect_same_grads(plain, recomputed);
}

TEST(GradientCheckpointing, LayersTrainBehindAFrozenEmbedding) {
  // The first layer's input does not require grad: the layers must still get gradients.
  auto m = create_model(test_support::tiny_config(), 5);
  for (auto& p : m->named_parameters()) p.value().set_requires_grad(p.key().find("embed_tokens") == std::string::npos);
  auto plain = grads_of(m, false);
  auto recomputed = grads_of(m, true);
  bool layer_grads = false;
  for (const auto& [name, g] : recomputed) layer_grads = layer_grads || name.find("layers.0.") != std::string::npos;
  EXPECT_TRUE(layer_grads);
  expect_same_grads(plain, recomputed);
}

TEST(GradientCheckpointing, LoraDropoutDrawsRepeatInTheRecomputation) {
  auto m = create_model(test_support::tiny_config(), 6);
  LoraConfig lc;
  lc.rank = 4;
  lc.dropout = 0.3;
  add_lora(m, lc);
  {
    torch::NoGradGuard g;
    torch::manual_seed(9);
    for (auto& [name, t] : named_lora_parameters(m))
      if (name.find("lora_B") != std::string::npos) t.copy_(torch::randn_like(t) * 0.05);
  }
  for (auto& p : m->parameters()) p.set_requires_grad(false);
  for (auto& p : lora_parameters(m)) p.set_requires_grad(true);
  expect_same_grads(grads_of(m, false, 21), grads_of(m, true, 21));
}

TEST(GradientCheckpointing, OffInEvalAndUnderNoGrad) {
  auto m = create_model(test_support::tiny_config(), 7);
  m->set_gradient_checkpointing(true);
  m->eval();
  torch::NoGradGuard g;
  auto ids = test_support::make_ids(6, 0, 0, 0, 1).unsqueeze(0);
  auto out = m->forward(ids, VisionInputs(), torch::Tensor());
  EXPECT_FALSE(out.logits.requires_grad());
}

}  // namespace gradient_checkpointing_tests
