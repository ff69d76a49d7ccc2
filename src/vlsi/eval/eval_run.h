#pragma once
// Evaluating a model folder on a LLaVA-format split: loads the model and its
// tokenizer, checks they belong together, and runs the evaluator.
#include <nlohmann/json.hpp>
#include <string>

#include "vlsi/data/collate.h"
#include "vlsi/eval/evaluator.h"
#include "vlsi/model/model_bundle.h"

namespace vlsi::eval {

struct EvalRunSpec {
  std::string model_dir;
  std::string data;        // a dataset folder (uses DATA/<split>.jsonl, images in DATA/images), a JSON/JSONL file
                           // or a VLMEvalKit TSV (*.tsv, eval/tsv_eval_run.h)
  std::string split = "test";
  std::string images;      // image folder; default: DATA/images (or beside the file)
  std::string out_dir;     // results.json + samples.jsonl; empty = not written
  std::string device = "cpu";
  std::string dtype;       // float32, bfloat16 or float16; empty = the model's own (config.json's dtype)
  std::string bad_records = "fail";
  std::string tsv_kind = "auto";  // TSV only: auto, mcq, yorn or pope (eval/benchmark_tsv.h)
  int64_t threads = 0;     // 0 = every core
  EvalOptions options;
};

// The model folder loaded for evaluation (device, dtype and threads from the
// spec) with the prompt encoder of its chat format.
struct EvalModel {
  model::ModelBundle bundle;
  data::SampleEncoder encoder;
};
EvalModel load_eval_model(const EvalRunSpec& spec);

// Returns results.json's content (with "model" and "data" added). A `data`
// ending in .tsv is a VLMEvalKit benchmark (run_tsv_eval).
nlohmann::json run_eval(const EvalRunSpec& spec);

}  // namespace vlsi::eval
