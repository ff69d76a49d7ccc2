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
#include "vlsi/model/registry.h"
#include "vlsi/train/model_setup.h"
#include "vlsi/train/run_data.h"
#include "vlsi/train/run_folder.h"
#include "vlsi/train/sft_task.h"
#include "vlsi/train/trainer.h"

namespace vlsi::train {
namespace fs = std::filesystem;
using io::json;

json sft_defaults() {
  return {
      {"out", "runs/sft"},
      {"tokenizer", ""},  // default: the tokenizer.json of model.from
      {"model", {{"init", ""}, {"from", ""}, {"seed", 0}}},
      {"data", data_defaults()},
      {"trainable", {"vision", "projector", "lm", "embeddings", "head"}},
      {"device", "cpu"},
      {"dtype", "float32"},  // or "bfloat16": parameters and activations (float32 master weights)
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
  check(init.empty() || !io::get_field<std::string>(cfg, "tokenizer", where).empty(), where,
        ": field 'tokenizer': required when training a fresh model");
  model::device_from_name(io::get_field<std::string>(cfg, "device", where), where + ": field 'device'");
  check(cfg["trainable"].is_array(), where, ": field 'trainable': expected an array of model parts");
  for (const auto& p : cfg["trainable"]) {
    check(p.is_string(), where, ": field 'trainable': expected part names, got ", p.dump());
    model::part_from_name(p.get<std::string>());
  }
  validate_data_config(cfg["data"], where + ": data");
}

}  // namespace

json run_sft(const json& cfg, bool resume, bool force) {
  const std::string where = "sft config";
  validate_sft_config(cfg, where);
  const std::string out = io::get_field<std::string>(cfg, "out", where);
  if (auto done = open_run_folder(out, cfg, resume, "sft", force)) return *done;

  TrainerConfig tc = TrainerConfig::from_json(cfg["trainer"], where + ": trainer");
  set_compute_threads(tc.threads);
  const json& mc = cfg["model"];
  std::string init = io::get_field<std::string>(mc, "init", where + ": model");
  std::string from = io::get_field<std::string>(mc, "from", where + ": model");
  std::string tok_path = io::get_field<std::string>(cfg, "tokenizer", where);
  if (tok_path.empty() && !from.empty()) tok_path = (fs::path(from) / "tokenizer.json").string();
  auto tok = text::Tokenizer::from_file(tok_path);
  const auto dtype =
      model::training_dtype_from_name(io::get_field<std::string>(cfg, "dtype", where), where + ": field 'dtype'");

  model::CausalVlm net{nullptr};
  std::shared_ptr<const model::VisionProcessor> processor;
  std::shared_ptr<const text::jinja::ChatTemplate> chat_template;  // a fresh model: the built-in ChatML
  json template_variables = json::object();
  if (!init.empty()) {
    // Drawn in float32 (create_model), then rounded: the same start for every dtype.
    net = model::create_model(config_for_tokenizer(init, tok), io::get_field<uint64_t>(mc, "seed", where));
    processor = model::default_processor(net->config());
  } else {
    model::LoadOptions lo;
    lo.dtype = dtype;
    net = model::load_model(from, lo);
    model::check_tokenizer_matches(net->config(), tok, from);
    processor = model::load_processor(from, net->config());
    chat_template = model::load_chat_template(from);
    template_variables = model::load_template_variables(from);
  }
  torch::Device device(io::get_field<std::string>(cfg, "device", where));
  net->to(device, dtype);

  RunData run_data(cfg["data"], tok, processor, tc, where + ": data", chat_template, template_variables);

  SftOptions so;
  so.tokenizer_json = tok_path;
  so.processor = processor;
  so.trainable.clear();
  for (auto& p : cfg["trainable"]) so.trainable.push_back(model::part_from_name(p.get<std::string>()));
  SftTask task(net, so);

  Trainer trainer(tc, out, "sft");
  const auto& val_batches = run_data.val_batches();
  if (!val_batches.empty())
    trainer.set_validation([&] { return json{{"val_loss", task.evaluate_loss(val_batches)}}; });
  BatchStream stream = run_data.stream();

  TrainResult r = trainer.run(task, stream, resume);
  run_data.report_skipped();
  if (!dist::ProcessGroup::current().is_main()) return summary_from_main(out);  // rank 0 writes the outputs
  task.save((fs::path(out) / "model").string());
  json summary = {{"steps", r.steps_done},
                  {"resumed_from", r.resumed_from},
                  {"final_train_loss", r.final_loss},
                  {"tokens_per_second", r.tokens_per_second},
                  {"seconds", r.seconds},
                  {"parameters", net->parameter_count()},
                  {"seed", tc.seed},
                  {"model", (fs::path(out) / "model").string()}};
  if (!r.last_validation.is_null()) summary["final_val_loss"] = r.last_validation.value("val_loss", 0.0);
  finish_run_folder(out, summary, "sft");
  return summary;
}

}  // namespace vlsi::train
