#include "vlsi/distill/verbalize_task.h"

#include "vlsi/distill/token_cross_entropy.h"
#include "vlsi/io/error.h"
#include "vlsi/train/lm_loss.h"
#include "vlsi/train/sft_task.h"

namespace vlsi::distill {

VerbalizeTask::VerbalizeTask(VerbalizedModel model, VerbalizeOptions options)
    : model_(std::move(model)), options_(options) {
  check(!model_.verbalizers.is_empty() && model_.verbalizers->size() > 0,
        "verbalize step: the model has no verbalizers to train");
  check(options_.chunk_tokens >= 1, "verbalize step: chunk_tokens must be >= 1");
}

std::vector<torch::Tensor> VerbalizeTask::trainable_parameters() {
  freeze(model_);
  auto params = model_.verbalizers->parameters();
  for (auto& p : params) p.set_requires_grad(true);
  return params;
}

void VerbalizeTask::set_training(bool training) {
  model_.model->eval();  // the backbone never trains here
  model_.verbalizers->train(training);
}

train::LossOutput VerbalizeTask::compute_loss(const data::Batch& cpu_batch) {
  data::Batch b = train::batch_to(cpu_batch, device_of(model_.model));
  model::VlmOutput out;
  {
    torch::NoGradGuard no_grad;  // frozen backbone: no graph through it
    model::ForwardOptions fo;
    fo.output_layer_hidden_states = true;
    fo.compute_logits = false;
    out = model_.model->forward(b.input_ids, b.images, b.attention_mask, fo);
  }
  const auto& layers = model_.verbalizers->target_layers();
  auto verbalized = verbalized_rows(model_.verbalizers, out.layer_hidden_states, b.labels,
                                    sequence_positions(model_.model, b.input_ids, b.images, b.attention_mask));
  auto targets = train::select_answer_tokens(out.layer_hidden_states.front(), b.labels).targets;
  check(targets.numel() > 0, "verbalize step: the batch has no answer tokens (every label is -100)");

  train::LossOutput r;
  torch::Tensor loss;
  for (size_t k = 0; k < layers.size(); ++k) {
    auto ce = token_cross_entropy(verbalized.rows[k], verbalized.sources[k], targets, options_.chunk_tokens);
    r.metrics["ce_layer_" + std::to_string(layers[k])] = ce.item<double>();
    loss = loss.defined() ? loss + ce : ce;
  }
  r.loss = loss;
  r.weight = double(targets.numel());  // every layer's term is a mean over these answer tokens
  r.tokens = b.attention_mask.defined() ? b.attention_mask.sum().item<int64_t>() : b.input_ids.numel();
  return r;
}

nlohmann::json VerbalizeTask::evaluate(const std::vector<data::Batch>& batches) {
  torch::NoGradGuard no_grad;
  std::map<std::string, double> sums;
  double total = 0;
  for (const auto& batch : batches) {
    auto r = compute_loss(batch);
    total += r.loss.item<double>();
    for (auto& [k, v] : r.metrics) sums[k] += v;
  }
  const double n = batches.empty() ? 1.0 : double(batches.size());
  nlohmann::json j = {{"val_loss", total / n}};
  for (auto& [k, v] : sums) j["val_" + k] = v / n;
  const auto accuracy = verbalized_accuracy(model_, batches, options_.chunk_tokens);
  for (size_t k = 0; k < accuracy.size(); ++k)
    j["val_acc_layer_" + std::to_string(model_.verbalizers->target_layers()[k])] = accuracy[k];
  return j;
}

void VerbalizeTask::save(const std::string& dir) const { save_verbalizer_set(model_.verbalizers, dir); }

void VerbalizeTask::load(const std::string& dir) {
  auto set = model_.verbalizers;
  restore_verbalizers_in_place(set, dir);
}

}  // namespace vlsi::distill
