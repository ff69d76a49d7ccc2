#include "vlsi/distill/student_step_task.h"

#include <algorithm>

#include "vlsi/dist/weighted_mean.h"
#include "vlsi/distill/target_layers.h"
#include "vlsi/distill/token_cross_entropy.h"
#include "vlsi/io/error.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/io/safetensors_sharded.h"
#include "vlsi/model/model_io.h"
#include "vlsi/train/lm_loss.h"
#include "vlsi/train/sft_task.h"
#include "vlsi/train/torch_file.h"

namespace vlsi::distill {
namespace {

// Each sample's answer tokens, in order (labels other than -100).
std::vector<std::vector<int64_t>> answer_ids(const torch::Tensor& labels) {
  const torch::Tensor cpu = labels.to(torch::kCPU, torch::kLong).contiguous();
  auto l = cpu.accessor<int64_t, 2>();
  std::vector<std::vector<int64_t>> out(size_t(l.size(0)));
  for (int64_t b = 0; b < l.size(0); ++b)
    for (int64_t i = 0; i < l.size(1); ++i)
      if (l[b][i] != data::kIgnoreIndex) out[size_t(b)].push_back(l[b][i]);
  return out;
}

// Divergences pair the k-th answer token of a sample in the teacher's view with
// the k-th in the student's: the two must hold the same answers, token for token.
void check_same_answers(const data::Batch& student, const data::Batch& teacher, const std::string& where) {
  check(student.ids == teacher.ids, where, ": the teacher's batch holds other samples than the student's");
  const auto student_answers = answer_ids(student.labels), teacher_answers = answer_ids(teacher.labels);
  for (size_t b = 0; b < student_answers.size(); ++b) {
    const auto &s = student_answers[b], &t = teacher_answers[b];
    if (s == t) continue;
    size_t k = 0;
    while (k < s.size() && k < t.size() && s[k] == t[k]) ++k;
    fail(where, ": sample '", student.ids[b], "': the teacher's answer tokens differ from the student's at ",
         "answer token ", k, " (", k < t.size() ? std::to_string(t[k]) : "end", " vs ",
         k < s.size() ? std::to_string(s[k]) : "end", "); their tokenizers must encode answers alike");
  }
}

// Metric name of a divergence op: "kl" for kld (the paper's word), else the op's name.
std::string metric_op(DivergenceOp op) { return op == DivergenceOp::Kld ? "kl" : divergence_op_name(op); }

}  // namespace

void StudentStepOptions::validate(const std::string& where) const {
  check(intermediate_weight >= 0 && last_weight >= 0 && ce_weight >= 0, where,
        ": loss weights must be >= 0");
  bool any = (matches_layers() && intermediate_weight > 0) || (last.op != DivergenceOp::None && last_weight > 0) ||
             ce_weight > 0;
  check(any, where, ": no loss term is on (intermediate_op, last_op and ce_weight are all off)");
  check(chunk_tokens >= 1, where, ": field 'chunk_tokens': expected >= 1");
  check(use_lora || !full_trainable.empty() || train_verbalizers, where, ": nothing to train");
  matching.validate(where + ": matching");
}

StudentStepTask::StudentStepTask(VerbalizedModel student, std::optional<VerbalizedModel> teacher,
                                 StudentStepOptions options)
    : student_(std::move(student)),
      teacher_(std::move(teacher)),
      options_(std::move(options)),
      matcher_(options_.matching, options_.matching.seed) {
  const std::string where = options_.name + " step";
  options_.validate(where);
  check(!options_.needs_teacher() || teacher_.has_value(), where, ": the loss needs a teacher model");
  if (options_.matches_layers()) {
    check(!student_.verbalizers.is_empty(), where, ": the intermediate op needs the student's verbalizers");
    check(!teacher_->verbalizers.is_empty(), where, ": the intermediate op needs the teacher's verbalizers");
    student_layers_ = student_.verbalizers->target_layers();
    teacher_layers_ = teacher_->verbalizers->target_layers();
    check_teacher_has_more_targets(teacher_layers_, student_layers_, where);
  }
  if (teacher_) {
    check(teacher_->model->config().text_config.vocab_size > 0, where, ": teacher has no vocabulary");
    freeze(*teacher_);
    teacher_->model->eval();
  }
  if (options_.train_verbalizers)
    check(!student_.verbalizers.is_empty(), where, ": train_verbalizers is on but the student has no verbalizers");
  if (options_.use_lora && !model::has_lora(student_.model)) model::add_lora(student_.model, options_.lora);
}

std::vector<torch::Tensor> StudentStepTask::trainable_parameters() {
  freeze(student_);
  std::vector<torch::Tensor> params;
  if (options_.use_lora) {
    params = model::lora_parameters(student_.model);
  } else {
    for (auto part : options_.full_trainable) {
      student_.model->set_trainable(part, true);
      for (auto& p : student_.model->parameters_of(part)) params.push_back(p);
    }
  }
  if (options_.train_verbalizers)
    for (auto& p : student_.verbalizers->parameters()) params.push_back(p);
  for (auto& p : params) p.set_requires_grad(true);
  return params;
}

void StudentStepTask::set_training(bool training) {
  student_.model->train(training);
  if (!student_.verbalizers.is_empty()) student_.verbalizers->train(training && options_.train_verbalizers);
  if (teacher_) teacher_->model->eval();
}

train::LossOutput StudentStepTask::compute_loss(const data::Batch& cpu_batch) {
  data::Batch b = train::batch_to(cpu_batch, device_of(student_.model));
  model::ForwardOptions fo;
  fo.compute_logits = false;
  fo.output_layer_hidden_states = options_.matches_layers();

  VerbalizedRows teacher_verbalized;
  torch::Tensor teacher_final;
  if (teacher_) {
    torch::NoGradGuard no_grad;
    // A teacher of another family reads the same samples its own way; its
    // answer tokens must be the student's, so rows pair up by answer position.
    const data::Batch& teacher_cpu = cpu_batch.teacher_view ? *cpu_batch.teacher_view : cpu_batch;
    if (cpu_batch.teacher_view) check_same_answers(cpu_batch, teacher_cpu, options_.name + " step");
    auto tb = train::batch_to(teacher_cpu, device_of(teacher_->model));
    auto tout = teacher_->model->forward(tb.input_ids, tb.images, tb.attention_mask, fo);
    if (options_.matches_layers())
      teacher_verbalized = verbalized_rows(teacher_->verbalizers, tout.layer_hidden_states, tb.labels,
                                           sequence_positions(teacher_->model, tb.input_ids, tb.images, tb.attention_mask));
    teacher_final = train::select_answer_tokens(tout.last_hidden_state, tb.labels).hidden;
  }
  auto sout = student_.model->forward(b.input_ids, b.images, b.attention_mask, fo);
  auto final_sel = train::select_answer_tokens(sout.last_hidden_state, b.labels);
  check(final_sel.targets.numel() > 0, options_.name, " step: the batch has no answer tokens (every label is -100)");
  auto to_student = [&](const torch::Tensor& t) { return t.to(final_sel.hidden.device()); };

  train::LossOutput r;
  // float32 (float64 in the tests): the terms are float32 whatever the model's dtype.
  const auto loss_type = final_sel.hidden.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
  torch::Tensor loss = torch::zeros({}, final_sel.hidden.options().dtype(loss_type).requires_grad(false));
  if (options_.matches_layers()) {
    auto student_verbalized = verbalized_rows(student_.verbalizers, sout.layer_hidden_states, b.labels,
                                              sequence_positions(student_.model, b.input_ids, b.images, b.attention_mask));
    auto& student_rows = student_verbalized.rows;
    auto& teacher_rows = teacher_verbalized.rows;
    for (auto& t : teacher_rows) t = to_student(t);
    const auto& tsrc = teacher_verbalized.sources;
    const auto& ssrc = student_verbalized.sources;
    std::vector<torch::Tensor> detached;
    for (auto& s : student_rows) detached.push_back(s.detach());
    auto d = divergence_matrix(teacher_rows, tsrc, detached, ssrc, options_.intermediate, options_.chunk_tokens);
    // Data parallel: every rank matches on the global batch's matrix, so all train the same layer pairs.
    d = dist::weighted_mean_over_ranks(d, double(final_sel.targets.numel()), dist::ProcessGroup::current(),
                                       "divergence matrix");
    LayerMatch match = matcher_.match(d);
    torch::Tensor inter;
    for (size_t i = 0; i < student_rows.size(); ++i) {
      int64_t j = match.teacher_index[i];
      auto pair = pair_divergence(teacher_rows[j], tsrc[j], student_rows[i], ssrc[i], options_.intermediate,
                                  options_.chunk_tokens);
      r.metrics[metric_op(options_.intermediate.op) + "_layer_" + std::to_string(student_layers_[i])] =
          pair.item<double>();
      inter = inter.defined() ? inter + pair : pair;
    }
    r.metrics["loss_intermediate"] = inter.item<double>();
    loss = loss + options_.intermediate_weight * inter;
    auto ev = layer_match_to_json(match);
    r.events = {{"matched", ev["teacher_index"]}, {"temperature", ev["temperature"]}, {"band", ev["band"]},
                {"d_spread", ev["d_spread"]}};
  }
  if (options_.last.op != DivergenceOp::None) {
    auto last = pair_divergence(to_student(teacher_final), normed_output_source(teacher_->model), final_sel.hidden,
                                normed_output_source(student_.model), options_.last, options_.chunk_tokens);
    r.metrics["loss_last"] = last.item<double>();
    loss = loss + options_.last_weight * last;
  }
  if (options_.ce_weight > 0) {
    auto ce = token_cross_entropy(final_sel.hidden, normed_output_source(student_.model), final_sel.targets,
                                  options_.chunk_tokens);
    r.metrics["loss_ce"] = ce.item<double>();
    loss = loss + options_.ce_weight * ce;
  }
  r.loss = loss;
  r.weight = double(final_sel.targets.numel());  // every term is a mean over these answer tokens
  r.tokens = b.attention_mask.defined() ? b.attention_mask.sum().item<int64_t>() : b.input_ids.numel();
  return r;
}

double StudentStepTask::evaluate_ce(const std::vector<data::Batch>& batches) {
  torch::NoGradGuard no_grad;
  double sum = 0.0;
  for (const auto& cpu_batch : batches) {
    auto b = train::batch_to(cpu_batch, device_of(student_.model));
    model::ForwardOptions fo;
    fo.compute_logits = false;
    auto out = student_.model->forward(b.input_ids, b.images, b.attention_mask, fo);
    sum += train::causal_lm_loss(out.last_hidden_state, b.labels, student_.model->lm_head_weight()).item<double>();
  }
  return batches.empty() ? 0.0 : sum / double(batches.size());
}

nlohmann::json StudentStepTask::evaluate(const std::vector<data::Batch>& batches) {
  nlohmann::json j = {{"val_loss", evaluate_ce(batches)}};
  if (student_.verbalizers.is_empty() || batches.empty()) return j;
  const auto accuracy = verbalized_accuracy(student_, batches, options_.chunk_tokens);
  for (size_t k = 0; k < accuracy.size(); ++k)
    j["val_acc_layer_" + std::to_string(student_.verbalizers->target_layers()[k])] = accuracy[k];
  return j;
}

void StudentStepTask::save(const std::string& dir) const {
  if (options_.use_lora) {
    model::save_lora_adapter(student_.model, dir + "/adapter", student_.model_dir);
  } else {
    model::SaveOptions so;
    so.tokenizer_json = options_.tokenizer_json;
    so.processor = options_.processor.get();
    model::save_model(student_.model, dir + "/model", so);
  }
  if (!student_.verbalizers.is_empty()) save_verbalizer_set(student_.verbalizers, dir + "/verbalizers");
  if (options_.matches_layers()) {
    torch::Tensor state = matcher_.generator_state();
    train::save_torch_file(dir + "/matcher_rng.pt", [&](const train::TorchWriter& w) { torch::save(state, w); });
  }
}

void StudentStepTask::load(const std::string& dir) {
  torch::NoGradGuard no_grad;
  if (options_.use_lora) {
    const std::string path = dir + "/adapter/" + model::kAdapterWeightsFile;
    auto stored = io::load_safetensors(path);
    for (auto& [name, t] : model::named_lora_parameters(student_.model)) {
      auto it = stored.find(name);
      check(it != stored.end() && it->second.sizes() == t.sizes(), path, ": missing or mis-shaped tensor ", name,
            " (the checkpoint is not of this run's adapter)");
      t.copy_(it->second);
    }
  } else {
    io::CheckpointReader reader(dir + "/model");
    model::load_weights(student_.model, reader);
  }
  if (!student_.verbalizers.is_empty()) restore_verbalizers_in_place(student_.verbalizers, dir + "/verbalizers");
  if (options_.matches_layers()) {
    torch::Tensor state;
    const std::string path = dir + "/matcher_rng.pt";
    train::load_torch_file(path, [&] { torch::load(state, path); });
    matcher_.set_generator_state(state);
  }
}

}  // namespace vlsi::distill
