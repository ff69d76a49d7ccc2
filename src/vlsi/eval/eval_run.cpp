#include "vlsi/eval/eval_run.h"

#include <cstdio>
#include <filesystem>

#include "vlsi/io/json_util.h"
#include "vlsi/model/compute_dtype.h"
#include "vlsi/model/model_io.h"
#include "vlsi/model/preprocessor_config.h"
#include "vlsi/train/model_setup.h"
#include "vlsi/train/trainer.h"

namespace vlsi::eval {
namespace fs = std::filesystem;

nlohmann::json run_eval(const EvalRunSpec& spec) {
  std::string file = spec.data;
  if (fs::is_directory(spec.data)) file = (fs::path(spec.data) / (spec.split + ".jsonl")).string();
  check(fs::exists(file), file, ": evaluation data not found");
  std::string images = spec.images.empty() ? (fs::path(file).parent_path() / "images").string() : spec.images;

  train::set_compute_threads(spec.threads);
  model::LoadOptions lo;
  lo.device = torch::Device(spec.device);
  lo.dtype = model::inference_dtype_from_name(spec.dtype, "eval: option --dtype");
  auto net = model::load_model(spec.model_dir, lo);
  std::string tok_path = (fs::path(spec.model_dir) / "tokenizer.json").string();
  check(fs::exists(tok_path), spec.model_dir, ": model folder has no tokenizer.json");
  auto tok = text::Tokenizer::from_file(tok_path);
  train::check_tokenizer_matches(net->config(), tok, spec.model_dir);

  data::ChatFormat fmt;
  fmt.num_image_tokens = net->config().image_tokens_per_image();
  data::SampleEncoder encoder(tok, fmt);
  auto transform = train::image_transform_for(model::ImageProcessorConfig::load(spec.model_dir));

  data::RecordLoadOptions ro;
  ro.image_dir = images;
  ro.policy = data::parse_bad_record_policy(spec.bad_records);
  auto set = data::load_records(file, ro);
  if (set.report.skipped() > 0) std::fprintf(stderr, "%s\n", set.report.summary().c_str());

  auto results = evaluate(net, encoder, set.records, images, transform, spec.options, spec.out_dir);
  results["model"] = spec.model_dir;
  results["data"] = file;
  if (!spec.out_dir.empty()) io::write_json_file((fs::path(spec.out_dir) / "results.json").string(), results);
  return results;
}

}  // namespace vlsi::eval
