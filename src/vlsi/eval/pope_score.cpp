#include "vlsi/eval/pope_score.h"

#include "vlsi/io/error.h"

namespace vlsi::eval {

namespace {
double ratio(int64_t a, int64_t b) { return b ? double(a) / double(b) : 0.0; }
}  // namespace

double PopeCounts::accuracy() const { return ratio(right, total()); }
double PopeCounts::precision() const { return ratio(tp, tp + fp); }
double PopeCounts::recall() const { return ratio(tp, tp + fn); }
double PopeCounts::f1() const {
  const double p = precision(), r = recall();
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}
double PopeCounts::yes_ratio() const { return ratio(tp + fp, total()); }

nlohmann::json PopeCounts::to_json() const {
  return {{"accuracy", accuracy()}, {"precision", precision()}, {"recall", recall()}, {"f1", f1()},
          {"yes_ratio", yes_ratio()}, {"tp", tp}, {"fp", fp}, {"fn", fn}, {"tn", tn}, {"unknown", unknown},
          {"total", total()}};
}

nlohmann::json PopeScores::to_json() const {
  nlohmann::json splits_json = nlohmann::json::object();
  for (const auto& [name, c] : splits) splits_json[name] = c.to_json();
  return {{"rule", "POPE: Yes is positive; Unknown answers count as No"},
          {"overall", overall.to_json()},
          {"splits", splits_json}};
}

PopeScores score_pope(const std::vector<BenchmarkQuestion>& rows, const std::vector<std::string>& predictions) {
  check(rows.size() == predictions.size(), "pope: ", rows.size(), " rows but ", predictions.size(), " predictions");
  PopeScores s;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string got = extract_yes_no(predictions[i]);
    s.extracted.push_back(got);
    s.row_correct.push_back(got == rows[i].answer);
    auto count = [&](PopeCounts& c) {
      const bool truth = rows[i].answer == "Yes", said_yes = got == "Yes";
      (truth ? (said_yes ? c.tp : c.fn) : (said_yes ? c.fp : c.tn)) += 1;
      c.right += s.row_correct.back();
      c.unknown += got == "Unknown";
    };
    // POPE_rating explodes "a,b" categories into one row per split before
    // anything is counted, so such a row also counts twice in the overall figures.
    const std::string& cats = rows[i].category;
    if (cats.empty()) count(s.overall);
    for (size_t start = 0; !cats.empty() && start <= cats.size();) {
      size_t comma = cats.find(',', start);
      if (comma == std::string::npos) comma = cats.size();
      count(s.overall);
      count(s.splits[cats.substr(start, comma - start)]);
      start = comma + 1;
    }
  }
  return s;
}

}  // namespace vlsi::eval
