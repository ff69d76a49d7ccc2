#pragma once
// Difference between two settings of an ablation with the test questions as the
// random unit. Each question's correctness is averaged over the seeds both settings
// finished; the per-question differences give the mean and a 95 % interval
// (Student's t over the questions). The per-seed interval (paired_difference.h)
// covers training noise only; this one also covers which questions the test set
// happened to draw. docs/distill.md "Ablations" has the reading of the two.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vlsi/distill/paired_difference.h"

namespace vlsi::distill {

// Question id -> answered correctly, for one evaluation.
using QuestionCorrectness = std::map<std::string, bool>;

// Reads an evaluation's samples.jsonl (fields "id" and "correct" per line); a
// malformed line is a one-line error naming the file and the line number.
QuestionCorrectness read_question_correctness(const std::string& samples_path);

struct QuestionDifference {
  int64_t seeds = 0;  // seeds paired (an evaluation with samples on both sides)
  // Over the questions present in every paired evaluation: n is their count, the
  // mean is in percentage points (setting - reference).
  PairedDifference over_questions;
};

// Pairs by seed as paired_difference does: `by_seed[i]` belongs to `seeds[i]`. An
// empty map (no samples written) leaves that seed out.
QuestionDifference question_difference(const std::vector<int64_t>& seeds,
                                       const std::vector<QuestionCorrectness>& by_seed,
                                       const std::vector<int64_t>& reference_seeds,
                                       const std::vector<QuestionCorrectness>& reference_by_seed);

}  // namespace vlsi::distill
