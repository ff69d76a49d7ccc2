#include "vlsi/train/sft_run.h"

#include <cstdio>
#include <filesystem>

#include "vlsi/dist/process_group.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/compute_dtype.h"
#include "vlsi/model/init.h"
#include "vlsi/model/model_bundle.h"
#include "vlsi/model/model_io.h"
#include "vlsi/model/part_transfer.h"
#include "vlsi/model/registry.h"
#include "vlsi/train/model_setup.h"
#include "vlsi/train/run_data.h"
#include "vlsi/train/run_folder.h"
#include "vlsi/train/sft_task.h"
#include "vlsi/train/trainer.h"
#include "vlsi/train/training_run.h"

namespace vlsi::train {
namespace fs = std::filesystem;
using io::json;

json sft_defaults() {
  return {
      {"out", "runs/sft"},
      {"tokenizer", ""},  // default: the tokenizer.json of model.from
      // vision_from: a trained model folder whose vision tower a fresh model starts from
      // (frozen unless "vision" is in trainable); same family and vision config.
      {"model", {{"init", ""}, {"from", ""}, {"seed", 0}, {"vision_from", ""}}},
      {"data", data_defaults()},
      {"trainable", {"vision", "projector", "lm", "embeddings", "head"}},
      {"device", "cpu"},
      {"dtype", "float32"},  // or "bfloat16": parameters and activations (float32 master weights)
      {"gradient_checkpointing", false},  // decoder layers recomputed in backward: less memory, one more forward
      {"trainer", TrainerConfig::defaults_json()},
  };
}

json resolve_sft_config(const json& file_content, const std::vector<std::string>& overrides, const std::string& where) {
  json cfg = io::merge_with_defaults(sft_defaults(), file_content, where);
  io::apply_overrides(cfg, overrides);
  TrainerConfig::from_json(cfg["trainer"], where + ": trainer");  // validate early
  model::training_dtype_from_name(io::get_field<std::string>(cfg, "dtype", where), where + ": field 'dtype'");
  return cfg;
}

namespace {

// Everything the config alone can tell, checked before the run folder gets its
// config.json: a config that cannot run leaves no run folder behind.
void validate_sft_config(const json& cfg, const std::string& where) {
  io::get_field<std::string>(cfg, "out", where);
  TrainerConfig::from_json(cfg["trainer"], where + ": trainer");
  model::training_dtype_from_name(io::get_field<std::string>(cfg, "dtype", where), where + ": field 'dtype'");
  const json& mc = cfg["model"];
  const std::string init = io::get_field<std::string>(mc, "init", where + ": model");
  const std::string from = io::get_field<std::string>(mc, "from", where + ": model");
  check(init.empty() != from.empty(), where, ": set exactly one of 'model.init' (a config for a fresh model) and "
        "'model.from' (a model folder)");
  io::get_field<uint64_t>(mc, "seed", where + ": model");
  const std::string vision_from = io::get_field<std::string>(mc, "vision_from", where + ": model");
  check(vision_from.empty() || !init.empty(), where, ": field 'model.vision_from': only for a fresh model "
        "('model.init'); a model folder already has its vision tower");
  check(vision_from.empty() || fs::exists(fs::path(vision_from) / "config.json"), where,
        ": field 'model.vision_from': ", vision_from, " is not a model folder (no config.json)");
  check(init.empty() || !io::get_field<std::string>(cfg, "tokenizer", where).empty(), where,
        ": field 'tokenizer': required when training a fresh model");
  model::device_from_name(io::get_field<std::string>(cfg, "device", where), where + ": field 'device'");
  io::get_field<bool>(cfg, "gradient_checkpointing", where);
  check(cfg["trainable"].is_array(), where, ": field 'trainable': expected an array of model parts");
  for (const auto& p : cfg["trainable"]) {
    check(p.is_string(), where, ": field 'trainable': expected part names, got ", p.dump());
    model::part_from_name(p.get<std::string>());
  }
  validate_data_config(cfg["data"], where + ": data");
}

}  // namespace

namespace {

// What an SFT run trains: one model (fresh from model.init, or a model folder) on its data.
class SftRun : public TrainingRun {
 public:
  SftRun(const json& cfg, const TrainerConfig& tc, const std::string& where) {
    const json& mc = cfg["model"];
    const std::string init = io::get_field<std::string>(mc, "init", where + ": model");
    const std::string from = io::get_field<std::string>(mc, "from", where + ": model");
    out_ = io::get_field<std::string>(cfg, "out", where);
    std::string tok_path = io::get_field<std::string>(cfg, "tokenizer", where);
    if (tok_path.empty() && !from.empty()) tok_path = (fs::path(from) / "tokenizer.json").string();
    auto tok = text::Tokenizer::from_file(tok_path);
    const auto dtype =
        model::training_dtype_from_name(io::get_field<std::string>(cfg, "dtype", where), where + ": field 'dtype'");

    std::shared_ptr<const model::VisionProcessor> processor;
    std::shared_ptr<const text::jinja::ChatTemplate> chat_template;  // a fresh model: the built-in ChatML
    json template_variables = json::object();
    if (!init.empty()) {
      // Drawn in float32 (create_model), then rounded: the same start for every dtype.
      net_ = model::create_model(config_for_tokenizer(init, tok), io::get_field<uint64_t>(mc, "seed", where));
      processor = model::default_processor(net_->config());
      const std::string vision_from = io::get_field<std::string>(mc, "vision_from", where + ": model");
      if (!vision_from.empty()) {
        const int64_t n = model::copy_part_weights(*model::load_model(vision_from, {}), *net_, model::Part::Vision,
                                                   where + ": model.vision_from " + vision_from);
        if (dist::ProcessGroup::current().rank() == 0)
          std::fprintf(stderr, "sft: vision tower (%lld values) from %s\n", (long long)n, vision_from.c_str());
      }
    } else {
      model::LoadOptions lo;
      lo.dtype = dtype;
      net_ = model::load_model(from, lo);
      model::check_tokenizer_matches(net_->config(), tok, from);
      processor = model::load_processor(from, net_->config());
      chat_template = model::load_chat_template(from);
      template_variables = model::load_template_variables(from);
    }
    net_->to(dist::ProcessGroup::current().local_device(torch::Device(io::get_field<std::string>(cfg, "device", where))),
             dtype);
    net_->set_gradient_checkpointing(io::get_field<bool>(cfg, "gradient_checkpointing", where));
    data_ = std::make_unique<RunData>(cfg["data"], tok, processor, tc, where + ": data", chat_template,
                                      template_variables);
    SftOptions so;
    so.tokenizer_json = tok_path;
    so.processor = processor;
    so.trainable.clear();
    for (auto& p : cfg["trainable"]) so.trainable.push_back(model::part_from_name(p.get<std::string>()));
    task_ = std::make_unique<SftTask>(net_, so);
  }

  TrainTask& task() override { return *task_; }
  RunData& data() override { return *data_; }
  std::function<json()> validation() override {
    if (data_->val_batches().empty()) return {};
    return [this] { return json{{"val_loss", task_->evaluate_loss(data_->val_batches())}}; };
  }
  void write_outputs(const TrainResult& r, json& summary) override {
    const std::string model_dir = (fs::path(out_) / "model").string();
    task_->save(model_dir);
    summary["parameters"] = net_->parameter_count();
    summary["model"] = model_dir;
    if (!r.last_validation.is_null()) summary["final_val_loss"] = r.last_validation.value("val_loss", 0.0);
  }

 private:
  std::string out_;
  model::CausalVlm net_{nullptr};
  std::unique_ptr<RunData> data_;
  std::unique_ptr<SftTask> task_;
};

}  // namespace

json run_sft(const json& cfg, bool resume, bool force) {
  const std::string where = "sft config";
  validate_sft_config(cfg, where);
  return run_training(cfg, resume, force, "sft",
                      [&](const TrainerConfig& tc) { return std::make_unique<SftRun>(cfg, tc, where); });
}

}  // namespace vlsi::train
