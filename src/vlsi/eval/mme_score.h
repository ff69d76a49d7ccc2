#pragma once
// MME's scores (vlmeval/dataset/utils/yorn.py, MME_rating; answers extracted
// with YOrN_Extraction, a question right when the extraction equals the
// answer, ImageYORNDataset.evaluate). Per category: acc = right questions /
// questions, acc+ = images whose questions are all right / images (MME asks
// two per image, one "yes", one "no"), score = 100 * acc + 100 * acc+.
// Perception and cognition are sums of the scores of MME's own categories
// (its perception and "reasoning" lists); another category counts towards the
// one its l2-category names ("perception", "cognition" or "reasoning") and
// otherwise towards neither.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/eval/benchmark_tsv.h"

namespace vlsi::eval {

struct MmeCategory {
  std::string name;
  std::string group;  // "perception", "cognition" or ""
  int64_t questions = 0, right = 0, images = 0, images_all_right = 0;
  double acc() const { return questions ? double(right) / double(questions) : 0.0; }
  double acc_plus() const { return images ? double(images_all_right) / double(images) : 0.0; }
  double score() const { return 100.0 * (acc() + acc_plus()); }
};

struct MmeScores {
  std::vector<std::string> extracted;  // per row: "Yes", "No" or "Unknown"
  std::vector<bool> row_correct;
  std::vector<MmeCategory> categories;  // by name
  double perception = 0, cognition = 0;  // sums of category scores
  nlohmann::json to_json() const;
};

MmeScores score_mme(const std::vector<BenchmarkQuestion>& rows, const std::vector<std::string>& predictions);

}  // namespace vlsi::eval
