#pragma once
// MMBench circular evaluation (vlmeval/dataset/utils/multiple_choice.py,
// mcq_circular_eval and prefetch_circular_group): the rows sharing a group
// (g_index, default index % 1e6) are one question with its options rotated;
// the question counts as right only when every rotation's extracted answer is
// that rotation's answer letter. Only groups with a main row (index ==
// g_index) are scored, reported under the main row's category (report_acc).
// A set without rotations is plain ("vanilla") accuracy.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/eval/benchmark_tsv.h"
#include "vlsi/eval/scoreboard.h"

namespace vlsi::eval {

struct CircularQuestion {
  size_t main_row = 0;
  size_t rotations = 0;  // rows in the group
  bool hit = false;
};

struct CircularMcqScores {
  std::vector<std::string> extracted;  // per row: the option letter found ("" none, "Z" refusal)
  std::vector<bool> row_correct;       // per row: extracted == answer
  std::vector<CircularQuestion> questions;  // one per main row, in file order
  size_t orphan_rows = 0;              // rows whose group has no main row (not scored)
  Scoreboard by_category, by_l2_category;  // circular hits of the questions
  double overall() const { return by_category.overall(); }
  double row_accuracy() const;          // every row on its own (VLMEvalKit's "vanilla_all")
  nlohmann::json to_json() const;
};

// `predictions[i]` is the model's answer to rows[i].
CircularMcqScores score_circular_mcq(const std::vector<BenchmarkQuestion>& rows,
                                     const std::vector<std::string>& predictions);

}  // namespace vlsi::eval
