// FusedAdamW against torch::optim::AdamW: same parameters after several steps
// (decayed and undecayed groups), same state, checkpoints interchangeable.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>

#include "vlsi/train/fused_adamw.h"

using vlsi::train::FusedAdamW;

namespace {

std::vector<torch::Tensor> make_params() {
  torch::manual_seed(1);
  return {torch::randn({40, 30}).requires_grad_(true), torch::randn({30}).requires_grad_(true)};
}

std::vector<torch::Tensor> clone_params(const std::vector<torch::Tensor>& ps) {
  std::vector<torch::Tensor> out;
  for (const auto& p : ps) out.push_back(p.detach().clone().requires_grad_(true));
  return out;
}

std::vector<torch::optim::OptimizerParamGroup> groups(const std::vector<torch::Tensor>& ps) {
  auto opts = [](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(3e-2).betas({0.8, 0.95}).eps(1e-6).weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> g;
  g.emplace_back(std::vector<torch::Tensor>{ps[0]}, opts(0.1));
  g.emplace_back(std::vector<torch::Tensor>{ps[1]}, opts(0.0));
  return g;
}

// Fills each parameter's gradient with the same pseudo-random values on both sides.
void set_grads(std::vector<torch::Tensor>& ps, int step) {
  torch::manual_seed(100 + step);
  for (auto& p : ps) p.mutable_grad() = torch::randn(p.sizes()) * (step + 1);
}

}  // namespace

TEST(FusedAdamW, MatchesTorchAdamWOverSteps) {
  auto ref_params = make_params();
  auto our_params = clone_params(ref_params);
  torch::optim::AdamW ref(groups(ref_params), torch::optim::AdamWOptions(3e-2));
  FusedAdamW ours(groups(our_params), torch::optim::AdamWOptions(3e-2));
  for (int step = 0; step < 12; ++step) {
    set_grads(ref_params, step);
    set_grads(our_params, step);
    ref.step();
    ours.step();
  }
  for (size_t i = 0; i < ref_params.size(); ++i)
    EXPECT_TRUE(torch::allclose(our_params[i], ref_params[i], 1e-5, 1e-6))
        << "param " << i << ": " << (our_params[i] - ref_params[i]).abs().max();
  // The state sits where the library keeps it, so checkpoints are interchangeable.
  std::stringstream saved;
  torch::save(ours, saved);
  torch::optim::AdamW reloaded(groups(our_params), torch::optim::AdamWOptions(3e-2));
  torch::load(reloaded, saved);
  auto key = vlsi::train::optimizer_state_key(our_params[0]);
  ASSERT_EQ(reloaded.state().count(key), 1u);
  auto& s = static_cast<torch::optim::AdamWParamState&>(*reloaded.state().at(key));
  EXPECT_EQ(s.step(), 12);
  auto ref_key = vlsi::train::optimizer_state_key(ref_params[0]);
  auto& rs = static_cast<torch::optim::AdamWParamState&>(*ref.state().at(ref_key));
  EXPECT_TRUE(torch::allclose(s.exp_avg_sq(), rs.exp_avg_sq(), 1e-5, 1e-9));
}

TEST(FusedAdamW, ReleaseGradsDropsGradientsAndStepSkipsThem) {
  auto ps = make_params();
  FusedAdamW opt(groups(ps), torch::optim::AdamWOptions(3e-2));
  set_grads(ps, 0);
  vlsi::train::release_grads(opt);
  EXPECT_FALSE(ps[0].grad().defined());
  auto before = ps[0].detach().clone();
  opt.step();  // no gradients: nothing moves, no state is made
  EXPECT_TRUE(torch::equal(before, ps[0].detach()));
  EXPECT_TRUE(opt.state().empty());
}
