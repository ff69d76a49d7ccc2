#pragma once
// Runs a model over evaluation records with greedy decoding (or beam search), scores each
// answer by its record's answer_type, and writes results.json (accuracy per
// category and overall) and samples.jsonl (one line per record).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/data/collate.h"
#include "vlsi/data/record.h"
#include "vlsi/model/causal_vlm.h"
#include "vlsi/model/vision_processor.h"

namespace vlsi::eval {

struct EvalOptions {
  int64_t batch_size = 32;
  int64_t max_new_tokens = 16;
  int64_t num_beams = 1;  // 1 = greedy; > 1 = beam search
  int64_t limit = 0;  // 0 = every record
  std::string label = "eval";
  void validate() const;  // one-line error naming the flag (--batch-size 0 would decode nothing)
};

// "greedy" or "beam search, N beams" (results.json's "decoding").
std::string decoding_name(const EvalOptions& options);

// Returns results.json's content. `out_dir` may be empty (nothing written).
nlohmann::json evaluate(model::CausalVlm& model, const data::SampleEncoder& encoder,
                        const std::vector<data::Record>& records, const std::string& image_dir,
                        const model::VisionProcessor& processor, const EvalOptions& options, const std::string& out_dir);

}  // namespace vlsi::eval
