#pragma once
// POPE's scores (vlmeval/dataset/utils/yorn.py, POPE_rating): "Yes" is the
// positive class; an extraction that is neither Yes nor No counts as a "no"
// prediction for precision and recall and as wrong for accuracy. Precision,
// recall and F1 are 0 when their denominator is. Rows whose category lists
// several splits ("adversarial,popular") count in each, and as often in the
// overall figures (POPE_rating explodes them first). The yes-ratio (share of
// "Yes" predictions) is POPE's own (evaluate.py of the POPE repository).
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/eval/benchmark_tsv.h"

namespace vlsi::eval {

struct PopeCounts {
  int64_t tp = 0, fp = 0, fn = 0, tn = 0;  // prediction Yes / not Yes against answer Yes / No
  int64_t right = 0, unknown = 0;           // extraction equals answer; extraction Unknown
  int64_t total() const { return tp + fp + fn + tn; }
  double accuracy() const;
  double precision() const;
  double recall() const;
  double f1() const;
  double yes_ratio() const;
  nlohmann::json to_json() const;
};

struct PopeScores {
  std::vector<std::string> extracted;  // per row: "Yes", "No" or "Unknown"
  std::vector<bool> row_correct;
  PopeCounts overall;
  std::map<std::string, PopeCounts> splits;  // by category (POPE's random / popular / adversarial)
  nlohmann::json to_json() const;
};

PopeScores score_pope(const std::vector<BenchmarkQuestion>& rows, const std::vector<std::string>& predictions);

}  // namespace vlsi::eval
