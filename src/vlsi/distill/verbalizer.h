#pragma once
// Verbalizer of one decoder layer (VLsI, method doc section 1): turns the
// layer's hidden state into logits over the vocabulary, "what this layer would
// say":  logits = LMHead( FinalNorm( h + verbFFN(h) ) )   (residual form, default)
//    or  logits = LMHead( FinalNorm( verbFFN(h) ) )       (plain form).
// verbFFN is a SwiGLU with no expansion: down(silu(gate(h)) * up(h)), all d x d,
// no bias (3 d^2 parameters, as the paper's 269M for 7 layers of d = 3584).
// The final norm and LM head are the backbone's own: the verbalizer calls them
// through an OutputHead and never copies or registers them, so its parameters()
// are exactly its three projections. Keeping the head frozen is the training
// step's job (the backbone's parameters are frozen there).
#include <ATen/core/Generator.h>
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "vlsi/io/field_table.h"
#include "vlsi/model/causal_vlm.h"

namespace vlsi::distill {

// The backbone's shared output path, called, not owned.
struct OutputHead {
  std::function<torch::Tensor(const torch::Tensor&)> final_norm;  // [.., H] -> [.., H]
  std::function<torch::Tensor(const torch::Tensor&)> lm_head;      // [.., H] -> [.., V]
  // The tensors used inside final_norm and lm_head (the backbone's, shared),
  // so chunked losses can also differentiate them if a caller left them trainable.
  std::vector<torch::Tensor> parameters;

  bool defined() const { return final_norm && lm_head; }
  // Logits on `hidden`'s device, wherever a split backbone keeps its norm and head.
  torch::Tensor operator()(const torch::Tensor& hidden) const { return lm_head(final_norm(hidden)).to(hidden.device()); }
};

// The final norm and LM head of `model` (the model stays alive while the head is held).
OutputHead output_head_of(const model::CausalVlm& model);

enum class VerbalizerForm {
  Residual,  // h + verbFFN(h); with down_proj zero-initialised it starts as the logit lens
  Plain,     // verbFFN(h)
};
const char* verbalizer_form_name(VerbalizerForm form);  // "residual", "plain"
// Inverse of verbalizer_form_name; `where` names the file/field for the error.
VerbalizerForm verbalizer_form_from_name(const std::string& name, const std::string& where);

// SwiGLU with no expansion: down(silu(gate(x)) * up(x)), three d x d linears, no bias.
class VerbFfnImpl : public torch::nn::Module {
 public:
  explicit VerbFfnImpl(int64_t hidden_size);
  torch::Tensor forward(const torch::Tensor& x);
  int64_t hidden_size() const { return hidden_size_; }
  torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};

 private:
  int64_t hidden_size_;
};
TORCH_MODULE(VerbFfn);

struct VerbalizerOptions {
  VerbalizerForm form = VerbalizerForm::Residual;
  // Residual form only: down_proj starts at zero, so the untrained verbalizer is
  // the layer's logit lens. The plain form always draws down_proj like the others
  // (zero would make every layer say FinalNorm(0)).
  bool zero_init_down = true;
  double init_std = 0.02;  // normal(0, init_std), as the backbone's initializer_range
  uint64_t seed = 0;       // draws of a fresh verbalizer set

  // The "verbalizer" config block (io/field_table.h).
  static const io::FieldTable<VerbalizerOptions>& fields();
};

// A verb-FFN (its gate_proj/up_proj/down_proj are the verbalizer's only
// parameters, hence the inheritance) followed by the shared output head.
class VerbalizerImpl : public VerbFfnImpl {
 public:
  VerbalizerImpl(int64_t hidden_size, VerbalizerForm form, OutputHead head);
  // The verbalized hidden state: h + verbFFN(h) or verbFFN(h).
  torch::Tensor transform(const torch::Tensor& hidden);
  // Logits [.., V] = head(transform(hidden)), on hidden's device: the rows move
  // to the verbalizer's device first (a split teacher's verbalizers sit with its
  // final norm, on the last range's device, and read rows of any layer).
  torch::Tensor forward(const torch::Tensor& hidden);
  torch::Tensor ffn(const torch::Tensor& x) { return VerbFfnImpl::forward(x); }

  VerbalizerForm form() const { return form_; }
  const OutputHead& head() const { return head_; }
  void set_head(OutputHead head);

 private:
  VerbalizerForm form_;
  OutputHead head_;
};
TORCH_MODULE(Verbalizer);

// Draws the verb-FFN weights from `generator` (CPU, float32, then copied into
// the parameters' dtype/device): gate/up ~ normal(0, init_std); down zero or normal.
void init_verbalizer(VerbFfnImpl& ffn, const VerbalizerOptions& options, at::Generator& generator);

// A new verbalizer with init_verbalizer applied from a private generator seeded
// with `seed`; the global torch RNG is left untouched.
Verbalizer create_verbalizer(int64_t hidden_size, const OutputHead& head, const VerbalizerOptions& options,
                             uint64_t seed);

// Runs `make` (which constructs libtorch modules and so draws their default
// init from the global RNG) and restores the global RNG afterwards, so creating
// verbalizers never shifts other seeded streams.
void preserving_global_rng(const std::function<void()>& make);

}  // namespace vlsi::distill
