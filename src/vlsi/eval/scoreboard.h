#pragma once
// Accuracy per category and overall; the overall figure is the mean over
// samples (micro average) and the per-category mean is also reported (macro).
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace vlsi::eval {

class Scoreboard {
 public:
  void add(const std::string& category, bool correct);
  double accuracy(const std::string& category) const;
  double overall() const;
  double macro() const;
  int64_t total() const { return total_; }
  // {"overall": {...}, "macro_accuracy": x, "categories": {cat: {"accuracy","correct","total"}}}
  nlohmann::json to_json() const;

 private:
  struct Count { int64_t correct = 0, total = 0; };
  std::map<std::string, Count> per_category_;
  int64_t correct_ = 0, total_ = 0;
};

}  // namespace vlsi::eval
