#include "vlsi/eval/evaluator.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "vlsi/data/sample_images.h"
#include "vlsi/eval/answer_match.h"
#include "vlsi/eval/scoreboard.h"
#include "vlsi/infer/generate.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/train/progress.h"

namespace vlsi::eval {
namespace fs = std::filesystem;

void EvalOptions::validate() const {
  check(batch_size >= 1, label, ": --batch-size must be >= 1, got ", batch_size);
  check(max_new_tokens >= 0, label, ": --max-new-tokens must be >= 0, got ", max_new_tokens);
  check(num_beams >= 1, label, ": --beams must be >= 1, got ", num_beams);
  check(limit >= 0, label, ": --limit must be >= 0 (0 = every record), got ", limit);
}

nlohmann::json evaluate(model::CausalVlm& model, const data::SampleEncoder& encoder,
                        const std::vector<data::Record>& records, const std::string& image_dir,
                        const model::VisionProcessor& processor, const EvalOptions& options, const std::string& out_dir) {
  options.validate();
  size_t n = records.size();
  if (options.limit > 0) n = std::min<size_t>(n, size_t(options.limit));
  check(n > 0, options.label, ": no records to evaluate");
  model->eval();
  const auto& tok = encoder.tokenizer();
  infer::GenerationOptions go;
  go.max_new_tokens = options.max_new_tokens;
  go.num_beams = options.num_beams;
  go.pad_id = encoder.pad_id();
  for (const char* stop : {"<|im_end|>", "<|endoftext|>"})
    if (auto id = tok.token_to_id(stop)) go.stop_ids.push_back(*id);

  Scoreboard board;
  std::string samples_jsonl;
  const int64_t bs = options.batch_size;
  const int64_t batches = (int64_t(n) + bs - 1) / bs;
  train::ProgressLine progress(options.label, batches, std::max<int64_t>(1, batches / 10));
  progress.start(0);
  for (int64_t b = 0; b < batches; ++b) {
    size_t lo = size_t(b * bs), hi = std::min(n, size_t((b + 1) * bs));
    std::vector<std::vector<int64_t>> prompts;
    std::vector<data::PromptSample> ps;
    std::vector<model::VisionInputs> images;
    for (size_t i = lo; i < hi; ++i) {
      data::PreparedPrompt p = data::prepare_prompt(encoder, processor, records[i], image_dir);
      ps.push_back(std::move(p.prompt));
      prompts.push_back(ps.back().input_ids);
      images.push_back(std::move(p.images));
    }
    auto outs = infer::generate(model, prompts, model::VisionInputs::concat(images), go);
    int64_t tokens = 0;
    for (size_t k = 0; k < outs.size(); ++k) {
      const auto& r = records[lo + k];
      std::string pred = tok.decode(outs[k].tokens, /*skip_special=*/true);
      std::string category = r.extra_string("category", "all");
      AnswerType type = parse_answer_type(r.extra_string("answer_type", "text"), r.location);
      bool ok = answers_match(pred, ps[k].reference, type);
      board.add(category, ok);
      tokens += int64_t(prompts[k].size() + outs[k].tokens.size());
      std::string question = r.conversations.size() >= 2 ? r.conversations[r.conversations.size() - 2].value : "";
      samples_jsonl += nlohmann::json{{"id", r.id},           {"category", category},
                                      {"answer_type", answer_type_name(type)}, {"question", question},
                                      {"reference", ps[k].reference},         {"prediction", pred},
                                      {"correct", ok}}
                           .dump() +
                       "\n";
    }
    char fields[64];
    std::snprintf(fields, sizeof(fields), "accuracy %.3f", board.overall());
    progress.update(b, fields, tokens);
  }
  nlohmann::json results = board.to_json();
  results["seconds"] = progress.elapsed_seconds();
  results["max_new_tokens"] = options.max_new_tokens;
  results["decoding"] = options.num_beams > 1 ? "beam search, " + std::to_string(options.num_beams) + " beams" : "greedy";
  progress.finish("accuracy " + std::to_string(board.overall()) + " on " + std::to_string(n) + " samples");
  if (!out_dir.empty()) {
    io::make_dirs(out_dir);
    io::write_file_atomic((fs::path(out_dir) / "samples.jsonl").string(), samples_jsonl);
    io::write_json_file((fs::path(out_dir) / "results.json").string(), results);
  }
  return results;
}

}  // namespace vlsi::eval
