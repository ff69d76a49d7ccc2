#pragma once
// Verbalizer of one decoder layer (VLsI, method doc section 1): turns the
// layer's hidden state into logits over the vocabulary, "what this layer would
// say":  logits = LMHead( FinalNorm( h + verbFFN(h) ) )   (residual form, default)
//    or  logits = LMHead( FinalNorm( verbFFN(h) ) )       (plain form).
// verbFFN is a SwiGLU with no expansion: down(silu(gate(h)) * up(h)), all d x d,
// no bias (3 d^2 parameters, as the paper's 269M for 7 layers of d = 3584). Paper
// Table 4f's alternatives: "linear" replaces it by proj(h) (d^2); "decoder_layer"
// by a fresh decoder layer of the backbone's own kind, which attends over the
// whole sequence, so it verbalizes [B, T, H] states (transform_sequence), never rows.
// The final norm and LM head are the backbone's own: the verbalizer calls them
// through an OutputHead and never copies or registers them, so its parameters()
// are exactly its own (three projections, one, or the decoder layer's). Keeping
// the head frozen is the training step's job (the backbone's parameters are frozen there).
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
  // For decoder-layer verbalizers: a fresh decoder layer of the backbone's kind
  // and one run of it (model::CausalVlmImpl::new_decoder_layer, run_decoder_layer).
  // Empty for a head that is not a backbone's.
  std::function<std::shared_ptr<torch::nn::Module>()> new_decoder_layer;
  std::function<torch::Tensor(torch::nn::Module& layer, const torch::Tensor& hidden, const torch::Tensor& attention_mask,
                              const torch::Tensor& position_ids)>
      run_decoder_layer;

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

enum class VerbalizerArchitecture {
  Ffn,           // verb-FFN: SwiGLU without expansion, gate_proj/up_proj/down_proj (the paper's choice)
  Linear,        // one d x d linear, proj (paper Table 4f: "clearly worse")
  DecoderLayer,  // a decoder layer of the backbone's kind (Table 4f: as good as verb-FFN, 6x the parameters)
};
// "ffn", "linear", "decoder_layer"
const char* verbalizer_architecture_name(VerbalizerArchitecture architecture);
VerbalizerArchitecture verbalizer_architecture_from_name(const std::string& name, const std::string& where);
// The weight names of one row-wise verbalizer (ffn, linear; each [d, d], no bias).
std::vector<std::string> verbalizer_projection_names(VerbalizerArchitecture architecture);

// Where the tokens of a [B, T, H] batch sit, as the backbone's forward saw them:
// what a decoder-layer verbalizer needs to attend like the backbone's own layers.
struct SequencePositions {
  torch::Tensor attention_mask;  // [B, T] (1 = token) or undefined
  torch::Tensor position_ids;    // the model's position_ids() for the batch, or undefined
};

struct VerbalizerOptions {
  VerbalizerArchitecture architecture = VerbalizerArchitecture::Ffn;
  VerbalizerForm form = VerbalizerForm::Residual;
  // Residual form only: the output projection (down_proj, or proj) starts at zero,
  // so the untrained verbalizer is the layer's logit lens. The plain form always
  // draws it like the others (zero would make every layer say FinalNorm(0)).
  bool zero_init_down = true;
  double init_std = 0.02;  // normal(0, init_std), as the backbone's initializer_range
  uint64_t seed = 0;       // draws of a fresh verbalizer set

  // The "verbalizer" config block (io/field_table.h).
  static const io::FieldTable<VerbalizerOptions>& fields();
};

// The verbalizer's own projections (registered under their HF-style names, so
// parameters() are exactly them) followed by the shared output head.
class VerbalizerImpl : public torch::nn::Module {
 public:
  // A decoder_layer verbalizer takes its layer from head.new_decoder_layer and must be residual.
  VerbalizerImpl(int64_t hidden_size, VerbalizerArchitecture architecture, VerbalizerForm form, OutputHead head);
  // Row-wise verbalizers (ffn, linear): the verbalized hidden state, h + ffn(h) or ffn(h).
  torch::Tensor transform(const torch::Tensor& hidden);
  // Any architecture, over a whole batch [B, T, H]: the verbalized states
  // [B, T, H] on the verbalizer's device (row-wise ones: transform).
  torch::Tensor transform_sequence(const torch::Tensor& hidden, const SequencePositions& at);
  // Row-wise verbalizers: logits [.., V] = head(transform(hidden)), on hidden's
  // device: the rows move to the verbalizer's device first (a split teacher's
  // verbalizers sit with its final norm, on the last range's device, and read
  // rows of any layer).
  torch::Tensor forward(const torch::Tensor& hidden);
  // The learned row-wise map: down(silu(gate(x)) * up(x)) (ffn) or proj(x) (linear).
  torch::Tensor ffn(const torch::Tensor& x);
  // The projection named `name` (one of verbalizer_projection_names(architecture())).
  torch::nn::Linear& projection(const std::string& name);
  // Whether this verbalizer attends over the sequence (decoder_layer): then
  // only transform_sequence applies.
  bool reads_sequence() const { return architecture_ == VerbalizerArchitecture::DecoderLayer; }
  torch::Device device() const;

  int64_t hidden_size() const { return hidden_size_; }
  VerbalizerArchitecture architecture() const { return architecture_; }
  VerbalizerForm form() const { return form_; }
  const OutputHead& head() const { return head_; }
  void set_head(OutputHead head);

  // ffn: gate_proj, up_proj, down_proj; linear: proj. The others stay empty.
  torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr}, proj{nullptr};
  // decoder_layer: the layer, its children registered here under their own
  // names (self_attn.q_proj.weight, mlp.down_proj.weight, input_layernorm.weight, ...).
  std::shared_ptr<torch::nn::Module> decoder_layer;

 private:
  int64_t hidden_size_;
  VerbalizerArchitecture architecture_;
  VerbalizerForm form_;
  OutputHead head_;
};
TORCH_MODULE(Verbalizer);

// Draws the verbalizer's weights from `generator` (CPU, float32, then copied into
// the parameters' dtype/device): matrices ~ normal(0, init_std), except the
// output projection (down_proj, proj; a decoder layer's o_proj and
// mlp.down_proj), zero or normal as options.zero_init_down says; a decoder
// layer's biases start at zero and its norms at one.
void init_verbalizer(VerbalizerImpl& verbalizer, const VerbalizerOptions& options, at::Generator& generator);

// A new verbalizer with init_verbalizer applied from a private generator seeded
// with `seed`; the global torch RNG is left untouched.
Verbalizer create_verbalizer(int64_t hidden_size, const OutputHead& head, const VerbalizerOptions& options,
                             uint64_t seed);

// Runs `make` (which constructs libtorch modules and so draws their default
// init from the global RNG) and restores the global RNG afterwards, so creating
// verbalizers never shifts other seeded streams.
void preserving_global_rng(const std::function<void()>& make);

}  // namespace vlsi::distill
