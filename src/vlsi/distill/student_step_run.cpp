// vlsi train interact|kd|reinforce: the student-side steps as run folders (step_run.h).
#include <algorithm>
#include <array>
#include <cstdio>
#include <sstream>

#include "vlsi/dist/process_group.h"

#include "vlsi/distill/step_config.h"
#include "vlsi/distill/step_run.h"
#include "vlsi/distill/teacher_inputs.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/model_bundle.h"
#include "vlsi/model/model_io.h"
#include "vlsi/model/registry.h"
#include "vlsi/train/model_setup.h"
#include "vlsi/train/run_data.h"
#include "vlsi/train/run_folder.h"
#include "vlsi/train/trainer.h"
#include "vlsi/train/training_run.h"

namespace vlsi::distill {
using io::json;
namespace {

// The verbalizer folder of a side: the configured one, else the model folder when it holds verbalizers.
std::string verbalizer_dir(const std::string& configured, const std::string& model_dir) {
  if (!configured.empty()) return configured;
  return io::file_exists(model_dir + "/" + kVerbalizerConfigFile) ? model_dir : "";
}

// placement: the side's device_map (replaces `device` when set).
VerbalizedModel load_side(const json& side, const std::string& where, const torch::Device& device,
                          torch::ScalarType dtype, bool need_verbalizers, const model::LayerPlacement& placement = {}) {
  VerbalizedModel m;
  m.model_dir = io::get_field<std::string>(side, "model", where);
  check(!m.model_dir.empty(), where, ": field 'model': expected a model folder");
  model::LoadOptions lo;
  lo.device = device;
  lo.dtype = dtype;
  lo.placement = placement;
  m.model = model::load_model(m.model_dir, lo);
  std::string vdir = verbalizer_dir(io::get_field<std::string>(side, "verbalizers", where), m.model_dir);
  check(!need_verbalizers || !vdir.empty(), where, ": field 'verbalizers': the step needs this model's verbalizers "
        "(a folder with ", kVerbalizerConfigFile, "; run `vlsi train verbalize` first)");
  if (!vdir.empty()) m.verbalizers = load_verbalizers_for(m.model, vdir);
  return m;
}

}  // namespace

namespace {

// Calls `fn` with every matching event of a step's metrics.jsonl, in order.
template <typename Fn>
void for_each_match_event(const std::string& metrics_path, Fn fn) {
  if (!io::file_exists(metrics_path)) return;
  std::istringstream lines(io::read_file(metrics_path));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("\"matched\"") == std::string::npos) continue;
    json rec = io::parse_json(line, metrics_path);
    for (const auto& ev : rec.value("events", json::array())) fn(ev);
  }
}

}  // namespace

json match_counts_from_metrics(const std::string& metrics_path, int64_t t_s, int64_t t_l) {
  json counts = json::array();
  for (int64_t i = 0; i < t_s; ++i) counts.push_back(std::vector<int64_t>(size_t(t_l), 0));
  for_each_match_event(metrics_path, [&](const json& ev) {
    const auto& m = ev.value("matched", json::array());
    for (int64_t i = 0; i < t_s && i < int64_t(m.size()); ++i) {
      int64_t j = m[i].get<int64_t>();
      if (j >= 0 && j < t_l) counts[i][j] = counts[i][j].get<int64_t>() + 1;
    }
  });
  return counts;
}

json band_spread_from_metrics(const std::string& metrics_path, int64_t t_s) {
  std::vector<std::vector<double>> spreads(static_cast<size_t>(t_s));
  std::vector<json> bands(static_cast<size_t>(t_s));
  for_each_match_event(metrics_path, [&](const json& ev) {
    const auto& d = ev.value("d_spread", json::array());
    const auto& b = ev.value("band", json::array());
    for (int64_t i = 0; i < t_s && i < int64_t(d.size()); ++i) {
      if (d[i].is_number()) spreads[i].push_back(d[i].get<double>());
      if (i < int64_t(b.size())) bands[i] = b[i];
    }
  });
  json out = json::array();
  for (int64_t i = 0; i < t_s; ++i) {
    const auto& v = spreads[i];
    json row = {{"band", bands[i]}, {"steps", v.size()}};
    if (!v.empty()) {
      double sum = 0;
      for (double x : v) sum += x;
      row["mean"] = sum / double(v.size());
      row["min"] = *std::min_element(v.begin(), v.end());
      row["max"] = *std::max_element(v.begin(), v.end());
    }
    out.push_back(row);
  }
  return out;
}

namespace {

// What a student step trains: the student (LoRA or full), against a frozen teacher when the loss needs one.
class StudentStepRun : public train::TrainingRun {
 public:
  StudentStepRun(const std::string& step, const json& cfg, const train::TrainerConfig& tc, const std::string& where)
      : step_(step), cfg_(cfg) {
    out_ = io::get_field<std::string>(cfg, "out", where);
    StudentStepOptions opts = student_step_options(step, cfg, where);
    dtype_ = side_dtype(cfg, "student", where);
    VerbalizedModel student = load_side(cfg["student"], where + ": student", side_device(cfg, "student", where),
                                        dtype_, opts.matches_layers());
    student.model->set_gradient_checkpointing(io::get_field<bool>(cfg, "gradient_checkpointing", where));
    tok_path_ = io::get_field<std::string>(cfg, "tokenizer", where);
    if (tok_path_.empty()) tok_path_ = student.model_dir + "/tokenizer.json";
    auto tok = text::Tokenizer::from_file(tok_path_);
    model::check_tokenizer_matches(student.model->config(), tok, student.model_dir);
    opts.tokenizer_json = tok_path_;
    const std::string adapter = io::get_field<std::string>(cfg["student"], "adapter", where + ": student");
    if (!adapter.empty()) {
      model::load_lora_adapter(student.model, adapter);  // continued (LoRA) or folded in (full fine-tuning)
      if (!opts.use_lora) model::merge_lora(student.model);
    }

    const bool main_rank = dist::ProcessGroup::current().is_main();
    std::optional<VerbalizedModel> teacher;
    std::optional<train::TeacherInputs> teacher_view;  // set when the teacher reads the data its own way
    if (opts.needs_teacher()) {
      teacher = load_side(cfg["teacher"], where + ": teacher", side_device(cfg, "teacher", where),
                          side_dtype(cfg, "teacher", where), opts.matches_layers(), side_placement(cfg, "teacher", where));
      teacher_view = teacher_inputs(student, tok, tok_path_, *teacher, where);
      if (teacher_view && main_rank)
        std::fprintf(stderr, "[%s] the teacher (%s) reads the data through its own tokenizer, template and processor\n",
                     step.c_str(), teacher->model->config().model_type.c_str());
    }

    processor_ = model::load_processor(student.model_dir, student.model->config());
    opts.processor = processor_;
    opts_ = opts;
    const std::string student_dir = student.model_dir;
    task_ = std::make_unique<StudentStepTask>(student, teacher, opts);
    if (opts.matches_layers() && main_rank) {
      json info = {{"student_model", student_dir},
                   {"teacher_model", teacher->model_dir},
                   {"student_target_layers", task_->student_layers()},
                   {"teacher_target_layers", task_->teacher_layers()},
                   {"matched_index", "index into teacher_target_layers, per student target layer in order"},
                   {"loss", cfg["loss"]},
                   {"matching", cfg["matching"]}};
      io::write_json_file(out_ + "/interact.json", info);
      std::fprintf(stderr, "[%s] student targets [%s], teacher targets [%s]\n", step.c_str(),
                   format_layers(task_->student_layers()).c_str(), format_layers(task_->teacher_layers()).c_str());
    }
    data_ = std::make_unique<train::RunData>(cfg["data"], tok, processor_, tc, where + ": data",
                                             model::load_chat_template(student_dir),
                                             model::load_template_variables(student_dir),
                                             teacher_view ? &*teacher_view : nullptr);
  }

  train::TrainTask& task() override { return *task_; }
  train::RunData& data() override { return *data_; }
  std::function<json()> validation() override {
    if (data_->val_batches().empty()) return {};
    return [this] { return task_->evaluate(data_->val_batches()); };
  }

  // Final outputs: adapter, verbalizers, then the plain (merged) model folder.
  void write_outputs(const train::TrainResult& r, json& summary) override {
    const std::string where = step_ + " config";
    summary["step"] = step_;
    auto& sm = task_->student();
    summary["student_model"] = sm.model_dir;
    summary["finetune"] = opts_.use_lora ? "lora" : "full";
    if (opts_.use_lora) {
      model::save_lora_adapter(sm.model, out_ + "/adapter", sm.model_dir);
      summary["adapter"] = out_ + "/adapter";
    }
    if (!sm.verbalizers.is_empty()) {
      save_verbalizer_set(sm.verbalizers, out_ + "/verbalizers");
      summary["verbalizers"] = out_ + "/verbalizers";
    }
    if (io::get_field<bool>(cfg_, "save_merged", where) || !opts_.use_lora) {
      model::merge_lora(sm.model);
      model::SaveOptions so;
      so.tokenizer_json = tok_path_;
      so.processor = processor_.get();
      so.dtype = merged_storage_dtype(sm.model_dir, dtype_);
      if (!sm.verbalizers.is_empty()) save_verbalizer_set(sm.verbalizers, out_ + "/model");
      model::save_model(sm.model, out_ + "/model", so);  // config.json last: the folder is complete
      summary["model"] = out_ + "/model";
    }
    if (opts_.matches_layers()) {
      auto counts = match_counts_from_metrics(out_ + "/metrics.jsonl", int64_t(task_->student_layers().size()),
                                              int64_t(task_->teacher_layers().size()));
      json info = io::read_json_file(out_ + "/interact.json");
      info["match_counts"] = counts;
      const json spread = band_spread_from_metrics(out_ + "/metrics.jsonl", int64_t(task_->student_layers().size()));
      info["band_d_spread"] = spread;
      io::write_json_file(out_ + "/interact.json", info);
      summary["band_d_spread"] = spread;
      summary["student_target_layers"] = task_->student_layers();
      summary["teacher_target_layers"] = task_->teacher_layers();
      summary["match_counts"] = counts;
    }
    if (!r.last_validation.is_null()) summary["final_val_loss"] = r.last_validation.value("val_loss", 0.0);
  }

 private:
  std::string step_, out_, tok_path_;
  json cfg_;
  torch::ScalarType dtype_ = torch::kFloat;
  StudentStepOptions opts_;
  std::shared_ptr<const model::VisionProcessor> processor_;
  std::unique_ptr<StudentStepTask> task_;
  std::unique_ptr<train::RunData> data_;
};

}  // namespace

json run_student_step(const std::string& step_name, const json& cfg, bool resume, bool force) {
  const std::string step = canonical_step(step_name);
  const std::string where = step + " config";
  validate_step_run_config(step, cfg, where);
  return train::run_training(cfg, resume, force, step, [&](const train::TrainerConfig& tc) {
    return std::make_unique<StudentStepRun>(step, cfg, tc, where);
  });
}

}  // namespace vlsi::distill
