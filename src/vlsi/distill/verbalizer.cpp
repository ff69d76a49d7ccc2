#include "vlsi/distill/verbalizer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

#include "vlsi/io/error.h"

namespace vlsi::distill {

OutputHead output_head_of(const model::CausalVlm& model) {
  check(!model.is_empty(), "output_head_of: the model is not constructed");
  OutputHead head;
  auto m = model.ptr();  // a shared handle, captured by the callables
  head.final_norm = [m](const torch::Tensor& h) { return m->final_norm(h); };
  head.lm_head = [m](const torch::Tensor& normed) { return m->lm_head(normed); };
  head.parameters = {m->final_norm_weight(), m->lm_head_weight()};
  return head;
}

const char* verbalizer_form_name(VerbalizerForm form) {
  return form == VerbalizerForm::Residual ? "residual" : "plain";
}

const io::FieldTable<VerbalizerOptions>& VerbalizerOptions::fields() {
  using O = VerbalizerOptions;
  static const auto table = io::FieldTable<O>()
                                .named("form", &O::form, verbalizer_form_name, verbalizer_form_from_name)
                                .field("zero_init_down", &O::zero_init_down)
                                .field("init_std", &O::init_std)
                                .field("seed", &O::seed);
  return table;
}

VerbalizerForm verbalizer_form_from_name(const std::string& name, const std::string& where) {
  if (name == "residual") return VerbalizerForm::Residual;
  if (name == "plain") return VerbalizerForm::Plain;
  fail(where, ": unknown verbalizer form '", name, "' (expected residual or plain)");
}

VerbFfnImpl::VerbFfnImpl(int64_t hidden_size) : hidden_size_(hidden_size) {
  check(hidden_size > 0, "verbalizer: hidden size must be positive, got ", hidden_size);
  auto linear = [&](const char* name) {
    return register_module(name, torch::nn::Linear(torch::nn::LinearOptions(hidden_size, hidden_size).bias(false)));
  };
  gate_proj = linear("gate_proj");
  up_proj = linear("up_proj");
  down_proj = linear("down_proj");
}

torch::Tensor VerbFfnImpl::forward(const torch::Tensor& x) {
  return down_proj->forward(torch::silu(gate_proj->forward(x)) * up_proj->forward(x));
}

VerbalizerImpl::VerbalizerImpl(int64_t hidden_size, VerbalizerForm form, OutputHead head)
    : VerbFfnImpl(hidden_size), form_(form) {
  set_head(std::move(head));
}

void VerbalizerImpl::set_head(OutputHead head) {
  check(head.defined(), "verbalizer: the output head (final norm and LM head) is not set");
  head_ = std::move(head);
}

torch::Tensor VerbalizerImpl::transform(const torch::Tensor& hidden) {
  check(hidden.dim() >= 1 && hidden.size(-1) == hidden_size(), "verbalizer: hidden state of width ",
        hidden.dim() >= 1 ? hidden.size(-1) : 0, " given to a verbalizer of width ", hidden_size());
  auto delta = ffn(hidden);
  return form_ == VerbalizerForm::Residual ? hidden + delta : delta;
}

torch::Tensor VerbalizerImpl::forward(const torch::Tensor& hidden) {
  return head_(transform(hidden.to(gate_proj->weight.device()))).to(hidden.device());
}

void init_verbalizer(VerbFfnImpl& ffn, const VerbalizerOptions& options, at::Generator& generator) {
  check(options.init_std > 0, "verbalizer: init_std must be positive, got ", options.init_std);
  torch::NoGradGuard no_grad;
  const auto cpu_float = torch::TensorOptions().dtype(torch::kFloat);
  auto normal_ = [&](torch::Tensor& w) { w.copy_(at::normal(0.0, options.init_std, w.sizes(), generator, cpu_float)); };
  // Fixed draw order (gate, up, down) so a seed always gives the same weights.
  normal_(ffn.gate_proj->weight);
  normal_(ffn.up_proj->weight);
  if (options.form == VerbalizerForm::Residual && options.zero_init_down)
    ffn.down_proj->weight.zero_();
  else
    normal_(ffn.down_proj->weight);
}

void preserving_global_rng(const std::function<void()>& make) {
  auto global = at::detail::getDefaultCPUGenerator();
  at::Tensor saved;
  {
    std::lock_guard<std::mutex> lock(global.mutex());
    saved = global.get_state();
  }
  make();
  std::lock_guard<std::mutex> lock(global.mutex());
  global.set_state(saved);
}

Verbalizer create_verbalizer(int64_t hidden_size, const OutputHead& head, const VerbalizerOptions& options,
                             uint64_t seed) {
  Verbalizer v{nullptr};
  preserving_global_rng([&] { v = Verbalizer(hidden_size, options.form, head); });
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  init_verbalizer(*v, options, gen);
  return v;
}

}  // namespace vlsi::distill
