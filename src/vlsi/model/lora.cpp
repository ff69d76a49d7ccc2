#include "vlsi/model/lora.h"

#include <cmath>

#include "vlsi/io/error.h"

namespace vlsi::model {

LoraLinearImpl::LoraLinearImpl(int64_t in_features, int64_t out_features, bool with_bias)
    : in_features_(in_features), out_features_(out_features) {
  check(in_features > 0 && out_features > 0, "linear layer: sizes must be positive, got ", in_features, " -> ",
        out_features);
  weight = register_parameter("weight", torch::empty({out_features, in_features}));
  if (with_bias) bias = register_parameter("bias", torch::empty({out_features}));
  reset_parameters();
}

namespace {
thread_local bool skip_default_init = false;
}  // namespace

SkipDefaultInit::SkipDefaultInit() : saved_(skip_default_init) { skip_default_init = true; }
SkipDefaultInit::~SkipDefaultInit() { skip_default_init = saved_; }
bool SkipDefaultInit::active() { return skip_default_init; }

void LoraLinearImpl::reset_parameters() {
  if (SkipDefaultInit::active()) return;
  // torch::nn::LinearImpl::reset_parameters, draw for draw.
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(double(in_features_));
    torch::nn::init::uniform_(bias, -bound, bound);
  }
}

torch::Tensor LoraLinearImpl::forward(const torch::Tensor& x) {
  auto y = torch::linear(x, weight, bias);
  return adapter_enabled() ? y + adapter_delta(x) : y;
}

torch::Tensor LoraLinearImpl::adapter_delta(const torch::Tensor& x) {
  auto h = x;
  if (adapter_options_.dropout > 0 && is_training()) h = torch::dropout(h, adapter_options_.dropout, true);
  return torch::linear(torch::linear(h, lora_A), lora_B) * scaling();
}

void LoraLinearImpl::attach_adapter(const LoraAdapterOptions& options, at::Generator& generator) {
  check(options.rank >= 1, "LoRA: rank must be >= 1, got ", options.rank);
  check(options.alpha > 0, "LoRA: alpha must be positive, got ", options.alpha);
  check(options.dropout >= 0 && options.dropout < 1, "LoRA: dropout must be in [0, 1), got ", options.dropout);
  adapter_options_ = options;
  adapter_enabled_ = true;
  // PEFT: nn.init.kaiming_uniform_(lora_A, a=sqrt(5)) -> bound = 1 / sqrt(fan_in).
  const double bound = 1.0 / std::sqrt(double(in_features_));
  auto cpu = torch::TensorOptions().dtype(torch::kFloat);
  auto a = at::empty({options.rank, in_features_}, cpu).uniform_(-bound, bound, generator);
  auto wopts = weight.options().requires_grad(false);
  lora_A = a.to(wopts).requires_grad_(true);
  lora_B = torch::zeros({out_features_, options.rank}, wopts).requires_grad_(true);
}

void LoraLinearImpl::remove_adapter() {
  lora_A = torch::Tensor();
  lora_B = torch::Tensor();
}

void LoraLinearImpl::merge_adapter() {
  if (!has_adapter()) return;
  torch::NoGradGuard no_grad;
  // In float32 at least, so a bfloat16 base does not lose the small delta's precision twice.
  auto compute = weight.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
  auto delta = torch::matmul(lora_B.to(compute), lora_A.to(compute)) * scaling();
  weight.copy_((weight.to(compute) + delta).to(weight.scalar_type()));
  remove_adapter();
}

}  // namespace vlsi::model
