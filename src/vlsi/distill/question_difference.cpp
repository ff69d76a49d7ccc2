#include "vlsi/distill/question_difference.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "vlsi/io/error.h"

namespace vlsi::distill {

QuestionCorrectness read_question_correctness(const std::string& samples_path) {
  std::ifstream in(samples_path);
  check(bool(in), samples_path, ": cannot open the evaluation's samples");
  QuestionCorrectness out;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    auto r = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    check(r.is_object() && r.contains("id") && r["id"].is_string() && r.contains("correct") &&
              r["correct"].is_boolean(),
          samples_path, ": line ", number, ": expected a JSON object with a string 'id' and a boolean 'correct'");
    out[r["id"].get<std::string>()] = r["correct"].get<bool>();
  }
  return out;
}

QuestionDifference question_difference(const std::vector<int64_t>& seeds,
                                       const std::vector<QuestionCorrectness>& by_seed,
                                       const std::vector<int64_t>& reference_seeds,
                                       const std::vector<QuestionCorrectness>& reference_by_seed) {
  check(seeds.size() == by_seed.size() && reference_seeds.size() == reference_by_seed.size(),
        "question_difference: one evaluation per seed expected");
  std::vector<std::pair<const QuestionCorrectness*, const QuestionCorrectness*>> pairs;
  for (size_t i = 0; i < seeds.size(); ++i)
    for (size_t j = 0; j < reference_seeds.size(); ++j)
      if (seeds[i] == reference_seeds[j] && !by_seed[i].empty() && !reference_by_seed[j].empty())
        pairs.emplace_back(&by_seed[i], &reference_by_seed[j]);
  QuestionDifference q;
  q.seeds = int64_t(pairs.size());
  if (pairs.empty()) return q;
  // Per question: (correct in the setting - correct in the reference), summed over seeds;
  // a question missing from any paired evaluation is left out (a --limit that differed).
  std::vector<double> d;
  for (const auto& question : *pairs.front().first) {
    const std::string& id = question.first;
    double sum = 0;
    bool everywhere = true;
    for (const auto& [a, r] : pairs) {
      auto ia = a->find(id);
      auto ir = r->find(id);
      if (ia == a->end() || ir == r->end()) {
        everywhere = false;
        break;
      }
      sum += double(ia->second) - double(ir->second);
    }
    if (everywhere) d.push_back(100.0 * sum / double(pairs.size()));
  }
  q.over_questions = mean_with_interval(d);
  return q;
}

}  // namespace vlsi::distill
