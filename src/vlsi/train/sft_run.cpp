#include "vlsi/train/sft_run.h"

#include <cstdio>
#include <filesystem>

#include "vlsi/data/loader.h"
#include "vlsi/data/record.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/init.h"
#include "vlsi/model/model_io.h"
#include "vlsi/train/model_setup.h"
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
      {"data",
       {{"train", ""}, {"val", ""}, {"images", ""}, {"max_length", 512}, {"bad_records", "fail"},
        {"system_prompt", false}, {"prefetch", 4}}},
      {"trainable", {"vision", "projector", "lm", "embeddings", "head"}},
      {"device", "cpu"},
      {"trainer", TrainerConfig::defaults_json()},
  };
}

json resolve_sft_config(const json& file_content, const std::vector<std::string>& overrides, const std::string& where) {
  json cfg = io::merge_with_defaults(sft_defaults(), file_content, where);
  io::apply_overrides(cfg, overrides);
  TrainerConfig::from_json(cfg["trainer"], where + ": trainer");  // validate early
  return cfg;
}

namespace {

struct DataSpec {
  std::string train, val, images;
  data::ChatFormat format;
  data::BadRecordPolicy policy;
  int64_t prefetch;
};

DataSpec data_spec(const json& d, const std::string& where) {
  DataSpec s;
  s.train = io::get_field<std::string>(d, "train", where);
  check(!s.train.empty(), where, ": field 'data.train': expected a JSON/JSONL file, got an empty string");
  s.val = io::get_field<std::string>(d, "val", where);
  s.images = io::get_field<std::string>(d, "images", where);
  if (s.images.empty()) s.images = (fs::path(s.train).parent_path() / "images").string();
  s.format.max_length = io::get_field<int64_t>(d, "max_length", where);
  s.format.add_default_system = io::get_field<bool>(d, "system_prompt", where);
  s.policy = data::parse_bad_record_policy(io::get_field<std::string>(d, "bad_records", where));
  s.prefetch = io::get_field<int64_t>(d, "prefetch", where);
  return s;
}

data::RecordSet load_split(const std::string& path, const DataSpec& s) {
  data::RecordLoadOptions o;
  o.image_dir = s.images;
  o.policy = s.policy;
  auto set = data::load_records(path, o);
  std::fprintf(stderr, "%s\n", set.report.summary().c_str());
  check(!set.records.empty(), path, ": no usable records");
  return set;
}

}  // namespace

json run_sft(const json& cfg, bool resume) {
  const std::string where = "sft config";
  const std::string out = io::get_field<std::string>(cfg, "out", where);
  const std::string summary_path = (fs::path(out) / "summary.json").string();
  if (fs::exists(summary_path)) {
    std::fprintf(stderr, "[sft] %s is complete (summary.json exists); nothing to do\n", out.c_str());
    return io::read_json_file(summary_path);
  }
  bool has_checkpoints = fs::exists(fs::path(out) / "checkpoints") && !fs::is_empty(fs::path(out) / "checkpoints");
  check(resume || !has_checkpoints, out, ": run folder already has checkpoints; pass --resume to continue it or choose another --out");
  io::make_dirs(out);
  io::write_json_file((fs::path(out) / "config.json").string(), cfg);

  TrainerConfig tc = TrainerConfig::from_json(cfg["trainer"], where + ": trainer");
  set_compute_threads(tc.threads);
  const json& mc = cfg["model"];
  std::string init = io::get_field<std::string>(mc, "init", where + ": model");
  std::string from = io::get_field<std::string>(mc, "from", where + ": model");
  check(init.empty() != from.empty(), where, ": set exactly one of 'model.init' (a config for a fresh model) and "
        "'model.from' (a model folder)");
  std::string tok_path = io::get_field<std::string>(cfg, "tokenizer", where);
  if (tok_path.empty() && !from.empty()) tok_path = (fs::path(from) / "tokenizer.json").string();
  check(!tok_path.empty(), where, ": field 'tokenizer': required when training a fresh model");
  auto tok = text::Tokenizer::from_file(tok_path);

  model::VlmForConditionalGeneration net{nullptr};
  if (!init.empty()) {
    net = model::create_model(config_for_tokenizer(init, tok), io::get_field<uint64_t>(mc, "seed", where));
  } else {
    net = model::load_model(from);
    check_tokenizer_matches(net->config(), tok, from);
  }
  torch::Device device(io::get_field<std::string>(cfg, "device", where));
  net->to(device);

  DataSpec ds = data_spec(cfg["data"], where + ": data");
  ds.format.num_image_tokens = net->config().image_tokens_per_image();
  auto transform = image_transform_for(model::ImageProcessorConfig::for_model(net->config()));
  data::SampleEncoder encoder(tok, ds.format);
  data::LoaderOptions lo;
  lo.batch_size = tc.batch_size;
  lo.seed = tc.seed;
  lo.prefetch_batches = ds.prefetch;
  lo.policy = ds.policy;
  data::DataLoader train_loader(load_split(ds.train, ds).records, ds.images, transform, encoder, lo);

  SftOptions so;
  so.tokenizer_json = tok_path;
  so.trainable.clear();
  for (auto& p : cfg["trainable"]) so.trainable.push_back(model::part_from_name(p.get<std::string>()));
  SftTask task(net, so);

  Trainer trainer(tc, out, "sft");
  std::vector<data::Batch> val_batches;
  if (!ds.val.empty()) {
    data::LoaderOptions vo = lo;
    vo.shuffle = false;
    data::DataLoader val_loader(load_split(ds.val, ds).records, ds.images, transform, encoder, vo);
    int64_t n = tc.val_batches > 0 ? std::min(tc.val_batches, val_loader.steps_per_epoch()) : val_loader.steps_per_epoch();
    for (int64_t i = 0; i < n; ++i) val_batches.push_back(val_loader.next());
    trainer.set_validation([&] { return json{{"val_loss", task.evaluate_loss(val_batches)}}; });
  }

  BatchStream stream;
  stream.next = [&] { return train_loader.next(); };
  stream.state = [&] { return train_loader.position().to_json(); };
  stream.restore = [&](const json& j) { train_loader.seek(data::LoaderPosition::from_json(j, "trainer_state.json: data")); };

  TrainResult r = trainer.run(task, stream, resume);
  if (!train_loader.skipped().empty()) std::fprintf(stderr, "%s\n", train_loader.skipped_summary().c_str());
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
  io::write_json_file(summary_path, summary);
  return summary;
}

}  // namespace vlsi::train
