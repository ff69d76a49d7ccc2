#pragma once
// The student-side steps, one task with three presets (step_config.h):
//   interact   method doc section 2 (Algorithm 1): per iteration the sampling
//              matrix D over (student target, teacher target) is computed WITHOUT
//              gradient over the answer tokens, LayerMatcher picks one teacher
//              target per student target, and the loss is
//                intermediate_weight * sum_i op_int(teacher j_i || student i)
//              + last_weight * op_last(teacher final || student final)
//              + ce_weight * CE(student final, answer)      (0 here: no AR loss)
//              with only the chosen pairs recomputed WITH gradient (chunked).
//   kd         the last-layer knowledge-distillation baseline: intermediate op
//              none, forward KL on the final distribution + CE.
//   reinforce  (alias sft) plain supervised fine-tuning: CE only, no teacher.
// The teacher is fully frozen and runs under no-grad. The student trains its
// LoRA adapters (default; full fine-tuning of chosen parts is the option) and,
// in interact by default, its verb-FFNs.
// Logged per step: metrics <op>_layer_<L> (the matched pair's divergence of
// student target layer L, e.g. kl_layer_1), loss_intermediate, loss_last,
// loss_ce; events {"matched": [j_0..j_{t_s-1}], "temperature": [...]} with j an
// index into the TEACHER'S target-layer list (-1 never occurs while every
// student target is matched; the field keeps that meaning for partial matchings).
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "vlsi/distill/divergence.h"
#include "vlsi/distill/layer_matcher.h"
#include "vlsi/distill/step_support.h"
#include "vlsi/model/lora_model.h"
#include "vlsi/model/vision_processor.h"
#include "vlsi/train/train_task.h"

namespace vlsi::distill {

struct StudentStepOptions {
  std::string name = "interact";
  DivergenceOptions intermediate;  // op none: no layer matching at all
  DivergenceOptions last;          // op none: no last-layer term
  double intermediate_weight = 1.0, last_weight = 1.0, ce_weight = 0.0;
  LayerMatcherOptions matching;
  int64_t chunk_tokens = 256;
  bool use_lora = true;                                           // else full fine-tuning of full_trainable
  model::LoraConfig lora;                                         // when the student has no adapter yet
  std::vector<model::Part> full_trainable = {model::Part::Lm};
  bool train_verbalizers = true;
  std::string tokenizer_json;  // copied into saved model folders
  std::shared_ptr<const model::VisionProcessor> processor;  // its files written into saved model folders

  bool needs_teacher() const { return intermediate.op != DivergenceOp::None || last.op != DivergenceOp::None; }
  bool matches_layers() const { return intermediate.op != DivergenceOp::None; }
  void validate(const std::string& where) const;
};

class StudentStepTask : public train::TrainTask {
 public:
  // `teacher` may be empty when the options need no teacher. Adds fresh LoRA
  // adapters to the student when use_lora and it has none (an adapter loaded
  // beforehand is continued).
  StudentStepTask(VerbalizedModel student, std::optional<VerbalizedModel> teacher, StudentStepOptions options);

  std::string name() const override { return options_.name; }
  std::vector<torch::Tensor> trainable_parameters() override;
  train::LossOutput compute_loss(const data::Batch& batch) override;
  void set_training(bool training) override;
  // Checkpoint content: adapter/ (LoRA) or model/ (full), verbalizers/, matcher_rng.pt.
  void save(const std::string& dir) const override;
  void load(const std::string& dir) override;

  // Mean answer cross-entropy of the student over batches, without gradient.
  double evaluate_ce(const std::vector<data::Batch>& batches);
  // {"val_loss": evaluate_ce} plus, when the student has verbalizers, each
  // target layer's verbalized accuracy (val_acc_layer_<l>, verbalized_accuracy).
  nlohmann::json evaluate(const std::vector<data::Batch>& batches);

  VerbalizedModel& student() { return student_; }
  const std::vector<int64_t>& student_layers() const { return student_layers_; }
  const std::vector<int64_t>& teacher_layers() const { return teacher_layers_; }

 private:
  VerbalizedModel student_;
  std::optional<VerbalizedModel> teacher_;
  StudentStepOptions options_;
  LayerMatcher matcher_;
  std::vector<int64_t> student_layers_, teacher_layers_;
};

}  // namespace vlsi::distill
