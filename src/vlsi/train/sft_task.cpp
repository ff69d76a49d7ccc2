#include "vlsi/train/sft_task.h"

#include <algorithm>

#include "vlsi/io/safetensors_sharded.h"
#include "vlsi/model/model_io.h"
#include "vlsi/train/lm_loss.h"

namespace vlsi::train {

data::Batch batch_to(const data::Batch& batch, const torch::Device& device) {
  data::Batch out = batch;
  auto move = [&](torch::Tensor& t) { if (t.defined()) t = t.to(device, /*non_blocking=*/true); };
  move(out.input_ids);
  move(out.attention_mask);
  move(out.labels);
  out.images = out.images.to(device);
  return out;
}

SftTask::SftTask(model::CausalVlm model, SftOptions options)
    : model_(std::move(model)), options_(std::move(options)) {}

std::vector<torch::Tensor> SftTask::trainable_parameters() {
  std::vector<torch::Tensor> params;
  for (auto part : model::all_parts()) {
    bool on = std::find(options_.trainable.begin(), options_.trainable.end(), part) != options_.trainable.end();
    model_->set_trainable(part, on);
    if (on)
      for (auto& p : model_->parameters_of(part)) params.push_back(p);
  }
  return params;
}

LossOutput SftTask::compute_loss(const data::Batch& cpu_batch) {
  auto device = model_->parameters().front().device();
  data::Batch b = batch_to(cpu_batch, device);
  model::ForwardOptions fo;
  fo.compute_logits = false;
  auto out = model_->forward(b.input_ids, b.images, b.attention_mask, fo);
  LossOutput r;
  r.loss = causal_lm_loss(out.last_hidden_state, b.labels, model_->lm_head_weight());
  r.weight = double(answer_token_count(b.labels));
  r.tokens = b.attention_mask.defined() ? b.attention_mask.sum().item<int64_t>() : b.input_ids.numel();
  return r;
}

double SftTask::evaluate_loss(const std::vector<data::Batch>& batches) {
  torch::NoGradGuard no_grad;
  double sum = 0.0;
  int64_t n = 0;
  for (const auto& batch : batches) {
    sum += compute_loss(batch).loss.item<double>();
    ++n;
  }
  return n ? sum / double(n) : 0.0;
}

void SftTask::save(const std::string& dir) const {
  model::SaveOptions so;
  so.tokenizer_json = options_.tokenizer_json;
  so.processor = options_.processor.get();
  model::save_model(model_, dir, so);
}

void SftTask::load(const std::string& dir) {
  io::CheckpointReader reader(dir);
  model::load_weights(model_, reader);
}

}  // namespace vlsi::train
