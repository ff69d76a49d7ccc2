#include "vlsi/train/fused_adamw.h"

#include <ATen/Parallel.h>

#include <cmath>

#include "vlsi/io/error.h"

namespace vlsi::train {
namespace {

bool fusable(const torch::Tensor& p) {
  const auto& g = p.grad();
  return p.device().is_cpu() && p.scalar_type() == torch::kFloat && p.is_contiguous() && !g.is_sparse() &&
         g.scalar_type() == torch::kFloat && g.is_contiguous();
}

// Every group without amsgrad and every parameter that has a gradient fusable.
bool all_fusable(std::vector<torch::optim::OptimizerParamGroup>& groups) {
  for (auto& group : groups) {
    if (static_cast<torch::optim::AdamWOptions&>(group.options()).amsgrad()) return false;
    for (auto& p : group.params())
      if (p.grad().defined() && !fusable(p)) return false;
  }
  return true;
}

struct AdamWCoefficients {
  float decay, b1, b2, c1, c2, step_size, bc2_sqrt, eps;
};

// The element loop; vectorised (packed sqrt needs -fno-math-errno, set in CMakeLists.txt).
void adamw_elements(float* __restrict pp, const float* __restrict gp,
                    float* __restrict mp, float* __restrict vp, int64_t begin, int64_t end,
                    AdamWCoefficients k) {
  for (int64_t i = begin; i < end; ++i) {
    const float g = gp[i];
    const float m = mp[i] * k.b1 + k.c1 * g;
    const float v = vp[i] * k.b2 + k.c2 * (g * g);
    mp[i] = m;
    vp[i] = v;
    pp[i] = pp[i] * k.decay - k.step_size * (m / (std::sqrt(v) / k.bc2_sqrt + k.eps));
  }
}

// torch::optim::AdamW's rule for one parameter, element by element:
// p *= 1 - lr wd; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
// p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
void update(torch::Tensor& p, torch::optim::AdamWParamState& s, const torch::optim::AdamWOptions& o) {
  s.step(s.step() + 1);
  const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
  AdamWCoefficients k;
  k.decay = float(1.0 - o.lr() * o.weight_decay());
  k.b1 = float(beta1), k.b2 = float(beta2), k.c1 = float(1.0 - beta1), k.c2 = float(1.0 - beta2);
  k.step_size = float(o.lr() / (1.0 - std::pow(beta1, double(s.step()))));
  k.bc2_sqrt = float(std::sqrt(1.0 - std::pow(beta2, double(s.step()))));
  k.eps = float(o.eps());
  float* pp = p.data_ptr<float>();
  const float* gp = p.grad().data_ptr<float>();
  float* mp = s.exp_avg().data_ptr<float>();
  float* vp = s.exp_avg_sq().data_ptr<float>();
  at::parallel_for(0, p.numel(), 32768,
                   [&](int64_t begin, int64_t end) { adamw_elements(pp, gp, mp, vp, begin, end, k); });
}

}  // namespace

torch::Tensor FusedAdamW::step(LossClosure closure) {
  if (!all_fusable(param_groups())) return torch::optim::AdamW::step(closure);

  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups()) {
    const auto& options = static_cast<torch::optim::AdamWOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      // The library's key for a parameter's state, so save/load and a switch
      // to torch::optim::AdamW see the same state.
      const auto key = optimizer_state_key(p);
      auto it = state().find(key);
      if (it == state().end()) {
        auto fresh = std::make_unique<torch::optim::AdamWParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, at::MemoryFormat::Contiguous));
        fresh->exp_avg_sq(torch::zeros_like(p, at::MemoryFormat::Contiguous));
        it = state().emplace(key, std::move(fresh)).first;
      }
      auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
      check(s.exp_avg().is_contiguous() && s.exp_avg_sq().is_contiguous() && s.exp_avg().numel() == p.numel(),
            "AdamW: optimizer state does not fit parameter of shape ", p.sizes());
      update(p, s, options);
    }
  }
  return loss;
}

std::unique_ptr<FusedAdamW> make_adamw(const std::vector<torch::Tensor>& params, const TrainerConfig& c) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& p : params) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  auto opts = [&](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(c.lr).betas({c.beta1, c.beta2}).eps(c.eps).weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  if (!decay.empty()) groups.emplace_back(decay, opts(c.weight_decay));
  if (!no_decay.empty()) groups.emplace_back(no_decay, opts(0.0));
  check(!groups.empty(), "trainer: the task has no trainable parameters");
  return std::make_unique<FusedAdamW>(groups, torch::optim::AdamWOptions(c.lr));
}

void release_grads(torch::optim::Optimizer& opt) {
  for (auto& group : opt.param_groups())
    for (auto& p : group.params())
      if (p.grad().defined()) p.mutable_grad().reset();
}

}  // namespace vlsi::train
