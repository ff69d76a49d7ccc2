#pragma once
// Evaluating a model folder on a LLaVA-format split: loads the model and its
// tokenizer, checks they belong together, and runs the evaluator.
#include <nlohmann/json.hpp>
#include <string>

#include "vlsi/eval/evaluator.h"

namespace vlsi::eval {

struct EvalRunSpec {
  std::string model_dir;
  std::string data;        // a dataset folder (uses DATA/<split>.jsonl, images in DATA/images) or a JSON/JSONL file
  std::string split = "test";
  std::string images;      // image folder; default: DATA/images (or beside the file)
  std::string out_dir;     // results.json + samples.jsonl; empty = not written
  std::string device = "cpu";
  std::string dtype;       // float32, bfloat16 or float16; empty = the model's own (config.json's dtype)
  std::string bad_records = "fail";
  int64_t threads = 0;     // 0 = every core
  EvalOptions options;
};

// Returns results.json's content (with "model" and "data" added).
nlohmann::json run_eval(const EvalRunSpec& spec);

}  // namespace vlsi::eval
