// vlsi train verbalize: the verbalization step as a run folder (step_run.h).
#include <cstdio>

#include "vlsi/dist/process_group.h"
#include "vlsi/distill/step_config.h"
#include "vlsi/distill/step_run.h"
#include "vlsi/distill/verbalize_task.h"
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

json run_step(const std::string& step, const json& config, bool resume, bool force) {
  return canonical_step(step) == "verbalize" ? run_verbalize(config, resume, force)
                                             : run_student_step(step, config, resume, force);
}

namespace {

// What a verbalization run trains: a verbalizer per target layer of one frozen model.
class VerbalizeRun : public train::TrainingRun {
 public:
  VerbalizeRun(const json& cfg, const train::TrainerConfig& tc, const std::string& where) {
    out_ = io::get_field<std::string>(cfg, "out", where);
    const std::string model_dir = io::get_field<std::string>(cfg, "model", where);
    check(!model_dir.empty(), where, ": field 'model': expected the model folder whose verbalizers to train");
    std::string tok_path = io::get_field<std::string>(cfg, "tokenizer", where);
    if (tok_path.empty()) tok_path = model_dir + "/tokenizer.json";
    auto tok = text::Tokenizer::from_file(tok_path);

    model::LoadOptions lo;
    lo.device = dist::ProcessGroup::current().local_device(torch::Device(io::get_field<std::string>(cfg, "device", where)));
    lo.dtype = step_dtype(cfg, where);
    lo.placement = step_placement(cfg, where);
    VerbalizedModel vm;
    vm.model_dir = model_dir;
    vm.model = model::load_model(model_dir, lo);
    model::check_tokenizer_matches(vm.model->config(), tok, model_dir);
    const auto& text = vm.model->config().text_config;
    layers_ = resolve_target_layers(target_layer_spec_from_json(cfg["target_layers"], where + ": target_layers"),
                                    text.num_hidden_layers, where + ": target_layers");
    const std::string init_from = io::get_field<std::string>(cfg, "init_from", where);
    if (!init_from.empty()) {
      vm.verbalizers = load_verbalizers_for(vm.model, init_from);
      check(vm.verbalizers->target_layers() == layers_, init_from, ": verbalizers of layers [",
            format_layers(vm.verbalizers->target_layers()), "] but target_layers resolves to [",
            format_layers(layers_), "]");
    } else {
      auto vo = verbalizer_options_from_json(cfg["verbalizer"], where + ": verbalizer");
      vm.verbalizers = VerbalizerSet(layers_, text.hidden_size, output_head_of(vm.model), vo, vo.seed);
      // Drawn in float32, then rounded like the backbone; beside its final norm.
      vm.verbalizers->to(verbalizer_device(vm.model), *lo.dtype);
    }
    if (dist::ProcessGroup::current().is_main())
      std::fprintf(stderr, "[verbalize] %s: target layers [%s] of %lld\n", model_dir.c_str(),
                   format_layers(layers_).c_str(), static_cast<long long>(text.num_hidden_layers));

    data_ = std::make_unique<train::RunData>(cfg["data"], tok, model::load_processor(model_dir, vm.model->config()), tc,
                                             where + ": data", model::load_chat_template(model_dir),
                                             model::load_template_variables(model_dir));
    VerbalizeOptions opts;
    opts.chunk_tokens = io::get_field<int64_t>(cfg, "chunk_tokens", where);
    model_dir_ = model_dir;
    task_ = std::make_unique<VerbalizeTask>(vm, opts);
  }

  train::TrainTask& task() override { return *task_; }
  train::RunData& data() override { return *data_; }
  std::function<json()> validation() override {
    if (data_->val_batches().empty()) return {};
    return [this] { return task_->evaluate(data_->val_batches()); };
  }
  void write_outputs(const train::TrainResult&, json& summary) override {
    const std::string verb_dir = out_ + "/verbalizers";
    task_->save(verb_dir);
    summary["step"] = "verbalize";
    summary["model"] = model_dir_;
    summary["target_layers"] = layers_;
    summary["verbalizers"] = verb_dir;
  }

 private:
  std::string out_, model_dir_;
  std::vector<int64_t> layers_;
  std::unique_ptr<train::RunData> data_;
  std::unique_ptr<VerbalizeTask> task_;
};

}  // namespace

json run_verbalize(const json& cfg, bool resume, bool force) {
  const std::string where = "verbalize config";
  validate_step_run_config("verbalize", cfg, where);
  return train::run_training(cfg, resume, force, "verbalize", [&](const train::TrainerConfig& tc) {
    return std::make_unique<VerbalizeRun>(cfg, tc, where);
  });
}

}  // namespace vlsi::distill
