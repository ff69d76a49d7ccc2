// vlsi train interact|kd|reinforce: the student-side steps as run folders (step_run.h).
#include <array>
#include <cstdio>
#include <sstream>

#include "vlsi/distill/step_config.h"
#include "vlsi/distill/step_run.h"
#include "vlsi/distill/teacher_inputs.h"
#include "vlsi/dist/process_group.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/model_bundle.h"
#include "vlsi/model/model_io.h"
#include "vlsi/model/registry.h"
#include "vlsi/train/model_setup.h"
#include "vlsi/train/run_data.h"
#include "vlsi/train/run_folder.h"
#include "vlsi/train/trainer.h"

namespace vlsi::distill {
using io::json;
namespace {

// The verbalizer folder of a side: the configured one, else the model folder when it holds verbalizers.
std::string verbalizer_dir(const std::string& configured, const std::string& model_dir) {
  if (!configured.empty()) return configured;
  return io::file_exists(model_dir + "/" + kVerbalizerConfigFile) ? model_dir : "";
}

VerbalizedModel load_side(const json& side, const std::string& where, const torch::Device& device,
                          torch::ScalarType dtype, bool need_verbalizers) {
  VerbalizedModel m;
  m.model_dir = io::get_field<std::string>(side, "model", where);
  check(!m.model_dir.empty(), where, ": field 'model': expected a model folder");
  model::LoadOptions lo;
  lo.device = device;
  lo.dtype = dtype;
  m.model = model::load_model(m.model_dir, lo);
  std::string vdir = verbalizer_dir(io::get_field<std::string>(side, "verbalizers", where), m.model_dir);
  check(!need_verbalizers || !vdir.empty(), where, ": field 'verbalizers': the step needs this model's verbalizers "
        "(a folder with ", kVerbalizerConfigFile, "; run `vlsi train verbalize` first)");
  if (!vdir.empty()) m.verbalizers = load_verbalizers_for(m.model, vdir);
  return m;
}

}  // namespace

json match_counts_from_metrics(const std::string& metrics_path, int64_t t_s, int64_t t_l) {
  json counts = json::array();
  for (int64_t i = 0; i < t_s; ++i) counts.push_back(std::vector<int64_t>(size_t(t_l), 0));
  if (!io::file_exists(metrics_path)) return counts;
  std::istringstream lines(io::read_file(metrics_path));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("\"matched\"") == std::string::npos) continue;
    json rec = io::parse_json(line, metrics_path);
    for (const auto& ev : rec.value("events", json::array())) {
      const auto& m = ev.value("matched", json::array());
      for (int64_t i = 0; i < t_s && i < int64_t(m.size()); ++i) {
        int64_t j = m[i].get<int64_t>();
        if (j >= 0 && j < t_l) counts[i][j] = counts[i][j].get<int64_t>() + 1;
      }
    }
  }
  return counts;
}

json run_student_step(const std::string& step_name, const json& cfg, bool resume, bool force) {
  const std::string step = canonical_step(step_name);
  const std::string where = step + " config";
  validate_step_run_config(step, cfg, where);
  const std::string out = io::get_field<std::string>(cfg, "out", where);
  if (auto done = train::open_run_folder(out, cfg, resume, step, force)) return *done;

  auto tc = train::TrainerConfig::from_json(cfg["trainer"], where + ": trainer");
  train::set_compute_threads(tc.threads);
  StudentStepOptions opts = student_step_options(step, cfg, where);
  torch::Device device(io::get_field<std::string>(cfg, "device", where));
  const auto dtype = step_dtype(cfg, where);

  VerbalizedModel student = load_side(cfg["student"], where + ": student", device, dtype, opts.matches_layers());
  std::string tok_path = io::get_field<std::string>(cfg, "tokenizer", where);
  if (tok_path.empty()) tok_path = student.model_dir + "/tokenizer.json";
  auto tok = text::Tokenizer::from_file(tok_path);
  model::check_tokenizer_matches(student.model->config(), tok, student.model_dir);
  opts.tokenizer_json = tok_path;
  const std::string adapter = io::get_field<std::string>(cfg["student"], "adapter", where + ": student");
  if (!adapter.empty()) {
    model::load_lora_adapter(student.model, adapter);  // continued (LoRA) or folded in (full fine-tuning)
    if (!opts.use_lora) model::merge_lora(student.model);
  }

  std::optional<VerbalizedModel> teacher;
  std::optional<train::TeacherInputs> teacher_view;  // set when the teacher reads the data its own way
  if (opts.needs_teacher()) {
    teacher = load_side(cfg["teacher"], where + ": teacher", device, dtype, opts.matches_layers());
    teacher_view = teacher_inputs(student, tok, tok_path, *teacher, where);
    if (teacher_view)
      std::fprintf(stderr, "[%s] the teacher (%s) reads the data through its own tokenizer, template and processor\n",
                   step.c_str(), teacher->model->config().model_type.c_str());
  }

  std::shared_ptr<const model::VisionProcessor> processor =
      model::load_processor(student.model_dir, student.model->config());
  opts.processor = processor;
  StudentStepTask task(student, teacher, opts);
  if (opts.matches_layers() && dist::ProcessGroup::current().is_main()) {
    json info = {{"student_model", student.model_dir},
                 {"teacher_model", teacher->model_dir},
                 {"student_target_layers", task.student_layers()},
                 {"teacher_target_layers", task.teacher_layers()},
                 {"matched_index", "index into teacher_target_layers, per student target layer in order"},
                 {"loss", cfg["loss"]},
                 {"matching", cfg["matching"]}};
    io::write_json_file(out + "/interact.json", info);
    std::fprintf(stderr, "[%s] student targets [%s], teacher targets [%s]\n", step.c_str(),
                 format_layers(task.student_layers()).c_str(), format_layers(task.teacher_layers()).c_str());
  }

  train::RunData data(cfg["data"], tok, processor, tc, where + ": data", model::load_chat_template(student.model_dir),
                      model::load_template_variables(student.model_dir), teacher_view ? &*teacher_view : nullptr);
  train::Trainer trainer(tc, out, step);
  const auto& val = data.val_batches();
  if (!val.empty()) trainer.set_validation([&] { return json{{"val_loss", task.evaluate_ce(val)}}; });
  auto stream = data.stream();
  auto r = trainer.run(task, stream, resume);
  data.report_skipped();
  if (!dist::ProcessGroup::current().is_main()) return train::summary_from_main(out);  // rank 0 writes the outputs

  // Final outputs: adapter, verbalizers, then the plain (merged) model folder.
  json summary = train::train_result_summary(r, tc.seed);
  summary["step"] = step;
  summary["student_model"] = student.model_dir;
  summary["finetune"] = opts.use_lora ? "lora" : "full";
  auto& sm = task.student();
  if (opts.use_lora) {
    model::save_lora_adapter(sm.model, out + "/adapter", sm.model_dir);
    summary["adapter"] = out + "/adapter";
  }
  if (!sm.verbalizers.is_empty()) {
    save_verbalizer_set(sm.verbalizers, out + "/verbalizers");
    summary["verbalizers"] = out + "/verbalizers";
  }
  if (io::get_field<bool>(cfg, "save_merged", where) || !opts.use_lora) {
    model::merge_lora(sm.model);
    model::SaveOptions so;
    so.tokenizer_json = tok_path;
    so.processor = processor.get();
    so.dtype = merged_storage_dtype(sm.model_dir, dtype);
    if (!sm.verbalizers.is_empty()) save_verbalizer_set(sm.verbalizers, out + "/model");
    model::save_model(sm.model, out + "/model", so);  // config.json last: the folder is complete
    summary["model"] = out + "/model";
  }
  if (opts.matches_layers()) {
    auto counts = match_counts_from_metrics(out + "/metrics.jsonl", int64_t(task.student_layers().size()),
                                            int64_t(task.teacher_layers().size()));
    json info = io::read_json_file(out + "/interact.json");
    info["match_counts"] = counts;
    io::write_json_file(out + "/interact.json", info);
    summary["student_target_layers"] = task.student_layers();
    summary["teacher_target_layers"] = task.teacher_layers();
    summary["match_counts"] = counts;
  }
  if (!r.last_validation.is_null()) summary["final_val_loss"] = r.last_validation.value("val_loss", 0.0);
  train::finish_run_folder(out, summary, step);
  return summary;
}

}  // namespace vlsi::distill
