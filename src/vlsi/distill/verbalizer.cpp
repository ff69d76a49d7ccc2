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
  head.new_decoder_layer = [m] { return m->new_decoder_layer(); };
  head.run_decoder_layer = [m](torch::nn::Module& layer, const torch::Tensor& hidden, const torch::Tensor& mask,
                               const torch::Tensor& positions) {
    return m->run_decoder_layer(layer, hidden, mask, positions);
  };
  return head;
}

const char* verbalizer_form_name(VerbalizerForm form) {
  return form == VerbalizerForm::Residual ? "residual" : "plain";
}

const io::FieldTable<VerbalizerOptions>& VerbalizerOptions::fields() {
  using O = VerbalizerOptions;
  static const auto table = io::FieldTable<O>()
                                .named("architecture", &O::architecture, verbalizer_architecture_name,
                                       verbalizer_architecture_from_name)
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

const char* verbalizer_architecture_name(VerbalizerArchitecture architecture) {
  switch (architecture) {
    case VerbalizerArchitecture::Ffn: return "ffn";
    case VerbalizerArchitecture::Linear: return "linear";
    case VerbalizerArchitecture::DecoderLayer: return "decoder_layer";
  }
  return "?";
}

VerbalizerArchitecture verbalizer_architecture_from_name(const std::string& name, const std::string& where) {
  for (auto a : {VerbalizerArchitecture::Ffn, VerbalizerArchitecture::Linear, VerbalizerArchitecture::DecoderLayer})
    if (name == verbalizer_architecture_name(a)) return a;
  fail(where, ": unknown verbalizer architecture '", name, "' (expected ffn, linear or decoder_layer)");
}

std::vector<std::string> verbalizer_projection_names(VerbalizerArchitecture architecture) {
  if (architecture == VerbalizerArchitecture::Linear) return {"proj"};
  if (architecture == VerbalizerArchitecture::Ffn) return {"gate_proj", "up_proj", "down_proj"};
  return {};
}

VerbalizerImpl::VerbalizerImpl(int64_t hidden_size, VerbalizerArchitecture architecture, VerbalizerForm form,
                               OutputHead head)
    : hidden_size_(hidden_size), architecture_(architecture), form_(form) {
  check(hidden_size > 0, "verbalizer: hidden size must be positive, got ", hidden_size);
  set_head(std::move(head));
  for (const auto& name : verbalizer_projection_names(architecture))
    projection(name) =
        register_module(name, torch::nn::Linear(torch::nn::LinearOptions(hidden_size, hidden_size).bias(false)));
  if (architecture == VerbalizerArchitecture::DecoderLayer) {
    check(form == VerbalizerForm::Residual,
          "verbalizer: a decoder_layer verbalizer is residual by construction (form must be residual, not plain)");
    check(bool(head_.new_decoder_layer), "verbalizer: a decoder_layer verbalizer needs a backbone to take its layer kind from");
    decoder_layer = head_.new_decoder_layer();
    // The layer's children under their own names, so its weights save as a backbone layer's do.
    check(decoder_layer->named_parameters(/*recurse=*/false).is_empty(),
          "verbalizer: the backbone's decoder layer holds parameters outside its submodules");
    for (const auto& child : decoder_layer->named_children()) register_module(child.key(), child.value());
  }
}

torch::Device VerbalizerImpl::device() const {
  if (!proj.is_empty()) return proj->weight.device();
  if (!down_proj.is_empty()) return down_proj->weight.device();
  return parameters().front().device();
}

torch::nn::Linear& VerbalizerImpl::projection(const std::string& name) {
  if (name == "gate_proj") return gate_proj;
  if (name == "up_proj") return up_proj;
  if (name == "down_proj") return down_proj;
  check(name == "proj", "verbalizer: no projection named '", name, "'");
  return proj;
}

torch::Tensor VerbalizerImpl::ffn(const torch::Tensor& x) {
  check(!reads_sequence(), "verbalizer: a decoder_layer verbalizer attends over whole sequences (transform_sequence)");
  if (architecture_ == VerbalizerArchitecture::Linear) return proj->forward(x);
  return down_proj->forward(torch::silu(gate_proj->forward(x)) * up_proj->forward(x));
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

torch::Tensor VerbalizerImpl::transform_sequence(const torch::Tensor& hidden, const SequencePositions& at) {
  check(hidden.dim() == 3 && hidden.size(2) == hidden_size(), "verbalizer: expected hidden states [B, T, ",
        hidden_size(), "], got ", hidden.sizes());
  if (!reads_sequence()) return transform(hidden.to(device()));
  return head_.run_decoder_layer(*decoder_layer, hidden.to(device()), at.attention_mask, at.position_ids);
}

torch::Tensor VerbalizerImpl::forward(const torch::Tensor& hidden) {
  return head_(transform(hidden.to(device()))).to(hidden.device());
}

namespace {
bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The projection that writes into the residual stream: zero makes the verbalizer the logit lens.
bool is_output_projection(const std::string& name) {
  return name == "proj.weight" || ends_with(name, "down_proj.weight") || ends_with(name, "o_proj.weight");
}
}  // namespace

void init_verbalizer(VerbalizerImpl& verbalizer, const VerbalizerOptions& options, at::Generator& generator) {
  check(options.init_std > 0, "verbalizer: init_std must be positive, got ", options.init_std);
  torch::NoGradGuard no_grad;
  const auto cpu_float = torch::TensorOptions().dtype(torch::kFloat);
  const bool zero_output = options.form == VerbalizerForm::Residual && options.zero_init_down;
  // Registration order (gate, up, down; a layer's own order) is fixed, so a
  // seed always gives the same weights.
  for (auto& item : verbalizer.named_parameters(/*recurse=*/true)) {
    auto& w = item.value();
    if (w.dim() == 1) {
      w.fill_(ends_with(item.key(), "bias") ? 0.0 : 1.0);  // a layer's biases and norm scales
    } else if (zero_output && is_output_projection(item.key())) {
      w.zero_();
    } else {
      w.copy_(at::normal(0.0, options.init_std, w.sizes(), generator, cpu_float));
    }
  }
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
  preserving_global_rng([&] { v = Verbalizer(hidden_size, options.architecture, options.form, head); });
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  init_verbalizer(*v, options, gen);
  return v;
}

}  // namespace vlsi::distill
