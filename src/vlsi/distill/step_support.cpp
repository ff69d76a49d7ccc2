#include "vlsi/distill/step_support.h"

#include <algorithm>

#include "vlsi/io/error.h"
#include "vlsi/model/model_io.h"
#include "vlsi/model/registry.h"
#include "vlsi/train/lm_loss.h"
#include "vlsi/train/sft_task.h"

namespace vlsi::distill {

torch::Device device_of(const model::CausalVlm& model) {
  const auto& placement = model->layer_placement();
  return placement.empty() ? model->parameters().front().device() : placement.first_device();
}

torch::Device verbalizer_device(const model::CausalVlm& model) { return model->final_norm_weight().device(); }

torch::ScalarType dtype_of(const model::CausalVlm& model) {
  return model->parameters().front().scalar_type();
}

c10::optional<torch::ScalarType> merged_storage_dtype(const std::string& base_dir, torch::ScalarType training) {
  if (training != torch::kFloat) return training;
  const std::string stored = model::load_model_config(base_dir).torch_dtype;
  if (stored.empty()) return c10::nullopt;
  return model::dtype_from_name(stored);
}

void freeze(const VerbalizedModel& m) {
  for (auto& p : m.model->parameters()) p.set_requires_grad(false);
  if (!m.verbalizers.is_empty())
    for (auto& p : m.verbalizers->parameters()) p.set_requires_grad(false);
}

LogitSource normed_output_source(const model::CausalVlm& model) {
  LogitSource s;
  auto m = model.ptr();
  s.logits = [m](const torch::Tensor& normed) { return m->lm_head(normed).to(normed.device()); };
  s.parameters = {m->lm_head_weight()};
  return s;
}

VerbalizedRows verbalized_rows(const VerbalizerSet& set, const std::vector<torch::Tensor>& layer_hidden_states,
                               const torch::Tensor& labels, const SequencePositions& at) {
  VerbalizedRows out;
  for (size_t k = 0; k < set->size(); ++k) {
    const int64_t l = set->target_layers()[k];
    check(l >= 0 && l < int64_t(layer_hidden_states.size()), "target layer ", l, " is outside the model's ",
          layer_hidden_states.size(), " decoder layers");
    auto v = set->verbalizers()[k].ptr();  // shared: the sources call the live module
    if (v->reads_sequence()) {
      out.rows.push_back(train::select_answer_tokens(v->transform_sequence(layer_hidden_states[l], at), labels).hidden);
      out.sources.push_back(head_source(v->head()));
    } else {
      out.rows.push_back(train::select_answer_tokens(layer_hidden_states[l], labels).hidden);
      out.sources.push_back(verbalizer_source(set->verbalizers()[k]));
    }
  }
  return out;
}

std::vector<double> verbalized_accuracy(const VerbalizedModel& m, const std::vector<data::Batch>& batches,
                                        int64_t chunk_tokens) {
  check(chunk_tokens >= 1, "verbalized accuracy: chunk_tokens must be >= 1");
  torch::NoGradGuard no_grad;
  std::vector<double> correct(m.verbalizers->size(), 0.0);
  double total = 0;
  for (const auto& cpu_batch : batches) {
    auto b = train::batch_to(cpu_batch, device_of(m.model));
    model::ForwardOptions fo;
    fo.output_layer_hidden_states = true;
    fo.compute_logits = false;
    auto out = m.model.ptr()->forward(b.input_ids, b.images, b.attention_mask, fo);
    auto v = verbalized_rows(m.verbalizers, out.layer_hidden_states, b.labels,
                             sequence_positions(m.model, b.input_ids, b.images, b.attention_mask));
    auto targets = train::select_answer_tokens(out.layer_hidden_states.front(), b.labels).targets;
    const int64_t n = targets.numel();
    total += double(n);
    for (size_t k = 0; k < correct.size(); ++k)
      for (int64_t i = 0; i < n; i += chunk_tokens) {
        const int64_t len = std::min(chunk_tokens, n - i);
        auto predicted = v.sources[k].logits(v.rows[k].narrow(0, i, len)).argmax(-1).to(targets.device());
        correct[k] += predicted.eq(targets.narrow(0, i, len)).sum().item<double>();
      }
  }
  for (double& c : correct) c = total > 0 ? c / total : 0.0;
  return correct;
}

SequencePositions sequence_positions(const model::CausalVlm& model, const torch::Tensor& input_ids,
                                     const model::VisionInputs& images, const torch::Tensor& attention_mask) {
  return {attention_mask, model.ptr()->position_ids(input_ids, images, attention_mask)};
}

VerbalizerSet load_verbalizers_for(const model::CausalVlm& model, const std::string& dir) {
  VerbalizerSetExpectation expect;
  expect.hidden_size = model->config().text_config.hidden_size;
  expect.num_layers = model->config().text_config.num_hidden_layers;
  auto set = load_verbalizer_set(dir, output_head_of(model), expect);
  set->to(verbalizer_device(model), dtype_of(model));
  return set;
}

void restore_verbalizers_in_place(VerbalizerSet& set, const std::string& dir) {
  VerbalizerSetExpectation expect;
  expect.hidden_size = set->hidden_size();
  expect.target_layers = set->target_layers();
  auto loaded = load_verbalizer_set(dir, set->verbalizers().front()->head(), expect);
  auto src = loaded->named_parameters();
  torch::NoGradGuard no_grad;
  for (auto& p : set->named_parameters()) p.value().copy_(src[p.key()]);
}

}  // namespace vlsi::distill
