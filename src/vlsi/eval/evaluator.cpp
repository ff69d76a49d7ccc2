#include "vlsi/eval/evaluator.h"

#include <cstdio>
#include <filesystem>

#include "vlsi/data/sample_images.h"
#include "vlsi/eval/answer_generation.h"
#include "vlsi/eval/answer_match.h"
#include "vlsi/eval/scoreboard.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"

namespace vlsi::eval {
namespace fs = std::filesystem;

void EvalOptions::validate() const {
  check(batch_size >= 1, label, ": --batch-size must be >= 1, got ", batch_size);
  check(max_new_tokens >= 0, label, ": --max-new-tokens must be >= 0, got ", max_new_tokens);
  check(num_beams >= 1, label, ": --beams must be >= 1, got ", num_beams);
  check(limit >= 0, label, ": --limit must be >= 0 (0 = every record), got ", limit);
}

std::string decoding_name(const EvalOptions& options) {
  return options.num_beams > 1 ? "beam search, " + std::to_string(options.num_beams) + " beams" : "greedy";
}

nlohmann::json evaluate(model::CausalVlm& model, const data::SampleEncoder& encoder,
                        const std::vector<data::Record>& records, const std::string& image_dir,
                        const model::VisionProcessor& processor, const EvalOptions& options, const std::string& out_dir) {
  options.validate();
  size_t n = records.size();
  if (options.limit > 0) n = std::min<size_t>(n, size_t(options.limit));
  check(n > 0, options.label, ": no records to evaluate");
  Scoreboard board;
  std::string samples_jsonl;
  std::vector<std::string> references(n);
  auto prepare = [&](size_t i) {
    data::PreparedPrompt p = data::prepare_prompt(encoder, processor, records[i], image_dir);
    references[i] = p.prompt.reference;
    return p;
  };
  auto score = [&](size_t i, const std::string& pred) {
    const auto& r = records[i];
    std::string category = r.extra_string("category", "all");
    AnswerType type = parse_answer_type(r.extra_string("answer_type", "text"), r.location);
    bool ok = answers_match(pred, references[i], type);
    board.add(category, ok);
    std::string question = r.conversations.size() >= 2 ? r.conversations[r.conversations.size() - 2].value : "";
    samples_jsonl += nlohmann::json{{"id", r.id},           {"category", category},
                                    {"answer_type", answer_type_name(type)}, {"question", question},
                                    {"reference", references[i]},    {"prediction", pred},
                                    {"correct", ok}}
                         .dump() +
                     "\n";
  };
  auto status = [&] {
    char fields[64];
    std::snprintf(fields, sizeof(fields), "accuracy %.3f", board.overall());
    return std::string(fields);
  };
  const double seconds = generate_answers(model, encoder, n, prepare, options, score, status);
  nlohmann::json results = board.to_json();
  results["seconds"] = seconds;
  results["max_new_tokens"] = options.max_new_tokens;
  results["decoding"] = decoding_name(options);
  if (!out_dir.empty()) {
    io::make_dirs(out_dir);
    io::write_file_atomic((fs::path(out_dir) / "samples.jsonl").string(), samples_jsonl);
    io::write_json_file((fs::path(out_dir) / "results.json").string(), results);
  }
  return results;
}

}  // namespace vlsi::eval
