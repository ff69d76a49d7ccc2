#include "vlsi/eval/circular_mcq_score.h"

#include <map>

#include "vlsi/io/error.h"

namespace vlsi::eval {

double CircularMcqScores::row_accuracy() const {
  size_t right = 0;
  for (bool ok : row_correct) right += ok;
  return row_correct.empty() ? 0.0 : double(right) / double(row_correct.size());
}

nlohmann::json CircularMcqScores::to_json() const {
  nlohmann::json j = by_category.to_json();
  j["rule"] = "circular: a question is right when every rotation is right";
  j["questions"] = questions.size();
  j["rows"] = row_correct.size();
  j["row_accuracy"] = row_accuracy();
  j["orphan_rows"] = orphan_rows;
  if (by_l2_category.total() > 0) j["l2_categories"] = by_l2_category.to_json()["categories"];
  return j;
}

CircularMcqScores score_circular_mcq(const std::vector<BenchmarkQuestion>& rows,
                                     const std::vector<std::string>& predictions) {
  check(rows.size() == predictions.size(), "circular mcq: ", rows.size(), " rows but ", predictions.size(),
        " predictions");
  CircularMcqScores s;
  std::map<std::string, std::vector<size_t>> members;
  for (size_t i = 0; i < rows.size(); ++i) {
    s.extracted.push_back(extract_choice(predictions[i], rows[i].options));
    s.row_correct.push_back(s.extracted.back() == rows[i].answer);
    members[rows[i].group].push_back(i);
  }
  size_t grouped = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].index != rows[i].group) continue;
    CircularQuestion q;
    q.main_row = i;
    q.hit = true;
    for (size_t m : members[rows[i].group]) q.hit = q.hit && s.row_correct[m];
    q.rotations = members[rows[i].group].size();
    grouped += q.rotations;
    s.by_category.add(rows[i].category.empty() ? "all" : rows[i].category, q.hit);
    if (!rows[i].l2_category.empty()) s.by_l2_category.add(rows[i].l2_category, q.hit);
    s.questions.push_back(q);
  }
  s.orphan_rows = rows.size() - grouped;
  return s;
}

}  // namespace vlsi::eval
