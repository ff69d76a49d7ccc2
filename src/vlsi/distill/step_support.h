#pragma once
// Small pieces the VLsI training steps share: a backbone with its verbalizers,
// freezing, the logit source of a model's own output, answer-token rows of
// several layers, and in-place restores (a resumed run's optimizer holds the
// parameter tensors, so checkpoints are copied INTO them, never swapped).
#include <torch/torch.h>

#include <string>
#include <vector>

#include "vlsi/data/collate.h"
#include "vlsi/distill/chunked_divergence.h"
#include "vlsi/distill/verbalizer_set.h"
#include "vlsi/model/causal_vlm.h"

namespace vlsi::distill {

// A backbone and the verbalizers of its target layers (null where a step needs none).
struct VerbalizedModel {
  model::CausalVlm model{nullptr};
  VerbalizerSet verbalizers{nullptr};
  std::string model_dir;  // where the backbone was loaded from (for logs and adapter configs)
};

// Where a model's inputs go: its (first) device; a split model's first range's.
torch::Device device_of(const model::CausalVlm& model);
// Where its verbalizers sit: with the final norm (a split model's last range).
// They read rows of any layer by moving them there (VerbalizerImpl::forward).
torch::Device verbalizer_device(const model::CausalVlm& model);
torch::ScalarType dtype_of(const model::CausalVlm& model);

// Storage dtype of a student merged from the base in `base_dir` after training in
// `training`: bfloat16 when trained in bfloat16 (as save_pretrained stores a bfloat16
// model); after float32 training the base's own (config.json's), so a LoRA merge
// leaves a bfloat16 base bfloat16; nullopt (the parameters' own) when it names none.
c10::optional<torch::ScalarType> merged_storage_dtype(const std::string& base_dir, torch::ScalarType training);

// requires_grad = false on every parameter (and on the verbalizers, when set).
void freeze(const VerbalizedModel& m);

// The model's own output: logits = lm_head(hidden AFTER the final norm), i.e.
// applied to VlmOutput::last_hidden_state rows; logits on the rows' device.
LogitSource normed_output_source(const model::CausalVlm& model);

// Per target layer of `set`, in target order: answer rows [N, H] (the usual
// next-token shift, train::select_answer_tokens) and what turns them into logits.
// A row-wise verbalizer (ffn, linear) reads the layer's own rows
// (verbalizer_source); a decoder-layer one first attends over the layer's whole
// sequence at `at`, and its rows go to the shared head (the gradient reaches
// its layer through the rows).
struct VerbalizedRows {
  std::vector<torch::Tensor> rows;
  std::vector<LogitSource> sources;
};
VerbalizedRows verbalized_rows(const VerbalizerSet& set, const std::vector<torch::Tensor>& layer_hidden_states,
                               const torch::Tensor& labels, const SequencePositions& at);

// Per target layer of m.verbalizers: the share of answer tokens whose
// verbalized argmax is the next token (teacher-forced, no gradient), over
// `batches`, rows `chunk_tokens` at a time. The "verbalized accuracy" of the
// mechanism tables (ablation_mechanisms.h), logged as val_acc_layer_<l>.
std::vector<double> verbalized_accuracy(const VerbalizedModel& m, const std::vector<data::Batch>& batches,
                                        int64_t chunk_tokens);

// Where a batch's tokens sit for `model` (its position_ids() and the mask).
SequencePositions sequence_positions(const model::CausalVlm& model, const torch::Tensor& input_ids,
                                     const model::VisionInputs& images, const torch::Tensor& attention_mask);

// Loads the verbalizers saved in `dir` and copies them into `set` (same layers and shapes).
void restore_verbalizers_in_place(VerbalizerSet& set, const std::string& dir);

// Loads the verbalizers of `dir` for `model` (validated against its width and depth),
// on verbalizer_device(model) and in its dtype.
VerbalizerSet load_verbalizers_for(const model::CausalVlm& model, const std::string& dir);

}  // namespace vlsi::distill
