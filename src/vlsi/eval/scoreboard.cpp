#include "vlsi/eval/scoreboard.h"

namespace vlsi::eval {

void Scoreboard::add(const std::string& category, bool correct) {
  auto& c = per_category_[category];
  c.total += 1;
  c.correct += correct ? 1 : 0;
  total_ += 1;
  correct_ += correct ? 1 : 0;
}

double Scoreboard::accuracy(const std::string& category) const {
  auto it = per_category_.find(category);
  if (it == per_category_.end() || it->second.total == 0) return 0.0;
  return double(it->second.correct) / double(it->second.total);
}

double Scoreboard::overall() const { return total_ ? double(correct_) / double(total_) : 0.0; }

double Scoreboard::macro() const {
  if (per_category_.empty()) return 0.0;
  double sum = 0.0;
  for (auto& [name, c] : per_category_) sum += c.total ? double(c.correct) / double(c.total) : 0.0;
  return sum / double(per_category_.size());
}

nlohmann::json Scoreboard::to_json() const {
  nlohmann::json cats = nlohmann::json::object();
  for (auto& [name, c] : per_category_)
    cats[name] = {{"accuracy", c.total ? double(c.correct) / double(c.total) : 0.0}, {"correct", c.correct}, {"total", c.total}};
  return {{"overall", {{"accuracy", overall()}, {"correct", correct_}, {"total", total_}}},
          {"macro_accuracy", macro()},
          {"categories", cats}};
}

}  // namespace vlsi::eval
