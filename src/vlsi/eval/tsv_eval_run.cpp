#include "vlsi/eval/tsv_eval_run.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "vlsi/data/record.h"
#include "vlsi/eval/answer_generation.h"
#include "vlsi/eval/benchmark_tsv.h"
#include "vlsi/eval/circular_mcq_score.h"
#include "vlsi/eval/mme_score.h"
#include "vlsi/eval/pope_score.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"

namespace vlsi::eval {
namespace fs = std::filesystem;

namespace {

// The row as a one-exchange record: the image, then VLMEvalKit's prompt.
data::PreparedPrompt prepare_row(const BenchmarkTsv& b, size_t row, const data::SampleEncoder& encoder,
                                 const model::VisionProcessor& processor) {
  const BenchmarkQuestion& q = b.questions[row];
  data::Record r;
  r.id = q.index;
  r.location = q.location;
  r.images = {"image"};
  r.conversations = {{data::Role::human, std::string(data::kImagePlaceholder) + "\n" + benchmark_prompt(q, b.kind)},
                     {data::Role::gpt, q.answer}};
  const image::Image img = benchmark_image(b, row);
  auto counts = [&](size_t kept) {
    if (kept == 0) return std::vector<int64_t>{};
    return processor.image_token_counts({{int64_t(img.height), int64_t(img.width)}});
  };
  data::PreparedPrompt p;
  p.prompt = encoder.encode_prompt(r, counts);
  if (p.prompt.num_images > 0) p.images = processor.process({img});
  return p;
}

struct Scored {
  nlohmann::json scores;
  std::vector<std::string> extracted;
  std::vector<bool> correct;
};

Scored score(const BenchmarkTsv& b, const std::vector<BenchmarkQuestion>& rows, const std::vector<std::string>& preds) {
  switch (b.kind) {
    case BenchmarkKind::mcq: {
      auto s = score_circular_mcq(rows, preds);
      return {s.to_json(), s.extracted, s.row_correct};
    }
    case BenchmarkKind::yorn: {
      auto s = score_mme(rows, preds);
      return {s.to_json(), s.extracted, s.row_correct};
    }
    case BenchmarkKind::pope: {
      auto s = score_pope(rows, preds);
      return {s.to_json(), s.extracted, s.row_correct};
    }
  }
  return {};
}

// VLMEvalKit's result file without the (large) image data.
std::string predictions_tsv(const BenchmarkTsv& b, size_t n, const std::vector<std::string>& preds, const Scored& s) {
  std::vector<std::string> columns;
  std::vector<size_t> kept;
  for (size_t c = 0; c < b.table.columns.size(); ++c)
    if (b.table.columns[c] != "image") {
      columns.push_back(b.table.columns[c]);
      kept.push_back(c);
    }
  for (const char* extra : {"prediction", "extracted", "correct"}) columns.push_back(extra);
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::string> r;
    for (size_t c : kept) r.push_back(b.table.rows[i][c]);
    r.insert(r.end(), {preds[i], s.extracted[i], s.correct[i] ? "1" : "0"});
    rows.push_back(std::move(r));
  }
  return io::format_tsv(columns, rows);
}

}  // namespace

nlohmann::json run_tsv_eval(const EvalRunSpec& spec) {
  spec.options.validate();
  const BenchmarkTsv b = load_benchmark_tsv(spec.data, spec.tsv_kind);  // before the model: bad input fails fast
  size_t n = b.questions.size();
  if (spec.options.limit > 0) n = std::min<size_t>(n, size_t(spec.options.limit));
  const std::vector<BenchmarkQuestion> rows(b.questions.begin(), b.questions.begin() + std::ptrdiff_t(n));

  EvalModel m = load_eval_model(spec);
  std::vector<std::string> preds(n);
  size_t answered = 0;
  auto prepare = [&](size_t i) { return prepare_row(b, i, m.encoder, *m.bundle.processor); };
  auto keep = [&](size_t i, const std::string& text) {
    preds[i] = text;
    ++answered;
  };
  auto status = [&] { return benchmark_kind_name(b.kind) + " answered " + std::to_string(answered); };
  const double seconds = generate_answers(m.bundle.model, m.encoder, n, prepare, spec.options, keep, status);

  Scored s = score(b, rows, preds);
  nlohmann::json results = s.scores;
  results["kind"] = benchmark_kind_name(b.kind);
  results["model"] = spec.model_dir;
  results["data"] = spec.data;
  results["seconds"] = seconds;
  results["max_new_tokens"] = spec.options.max_new_tokens;
  results["decoding"] = decoding_name(spec.options);
  if (!spec.out_dir.empty()) {
    io::make_dirs(spec.out_dir);
    io::write_file_atomic((fs::path(spec.out_dir) / "predictions.tsv").string(), predictions_tsv(b, n, preds, s));
    io::write_json_file((fs::path(spec.out_dir) / "results.json").string(), results);
  }
  return results;
}

}  // namespace vlsi::eval
