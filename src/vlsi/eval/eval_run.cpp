#include "vlsi/eval/eval_run.h"

#include <cstdio>
#include <filesystem>

#include "vlsi/data/template_chat.h"
#include "vlsi/eval/tsv_eval_run.h"
#include "vlsi/io/string_util.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/compute_dtype.h"
#include "vlsi/train/model_setup.h"
#include "vlsi/train/trainer.h"

namespace vlsi::eval {
namespace fs = std::filesystem;

EvalModel load_eval_model(const EvalRunSpec& spec) {
  train::set_compute_threads(spec.threads);
  model::LoadOptions lo;
  lo.device = torch::Device(spec.device);
  lo.dtype = model::inference_dtype_from_name(spec.dtype, "eval: option --dtype");
  model::ModelBundle bundle = model::load_bundle(spec.model_dir, lo);
  data::SampleEncoder encoder(*bundle.tokenizer, data::chat_format_of(bundle));
  return {std::move(bundle), std::move(encoder)};
}

nlohmann::json run_eval(const EvalRunSpec& spec) {
  spec.options.validate();  // before the model is loaded
  if (io::ends_with(spec.data, ".tsv") || io::ends_with(spec.data, ".TSV")) return run_tsv_eval(spec);
  std::string file = spec.data;
  if (fs::is_directory(spec.data)) file = (fs::path(spec.data) / (spec.split + ".jsonl")).string();
  check(fs::exists(file), file, ": evaluation data not found");
  std::string images = spec.images.empty() ? (fs::path(file).parent_path() / "images").string() : spec.images;

  EvalModel m = load_eval_model(spec);
  data::RecordLoadOptions ro;
  ro.image_dir = images;
  ro.policy = data::parse_bad_record_policy(spec.bad_records);
  auto set = data::load_records(file, ro);
  if (set.report.skipped() > 0) std::fprintf(stderr, "%s\n", set.report.summary().c_str());

  auto results = evaluate(m.bundle.model, m.encoder, set.records, images, *m.bundle.processor, spec.options, spec.out_dir);
  results["model"] = spec.model_dir;
  results["data"] = file;
  if (!spec.out_dir.empty()) io::write_json_file((fs::path(spec.out_dir) / "results.json").string(), results);
  return results;
}

}  // namespace vlsi::eval
