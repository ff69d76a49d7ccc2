#include "vlsi/distill/interaction_trace.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"

namespace vlsi::distill {
using io::json;

namespace {

struct StepRecord {
  std::optional<double> last_loss;
  std::vector<double> d_spread, matched;  // per student target, averaged over the step's micro-batches
  std::vector<double> layer_loss;         // per student target, in layer order
};

// Mean of each position over the events that have it.
std::vector<double> mean_over_events(const json& events, const char* field) {
  std::vector<double> sum, count;
  for (const auto& ev : events) {
    const json values = ev.value(field, json::array());
    if (values.size() > sum.size()) sum.resize(values.size(), 0.0), count.resize(values.size(), 0.0);
    for (size_t i = 0; i < values.size(); ++i)
      if (values[i].is_number()) sum[i] += values[i].get<double>(), count[i] += 1;
  }
  for (size_t i = 0; i < sum.size(); ++i) sum[i] = count[i] > 0 ? sum[i] / count[i] : 0.0;
  return sum;
}

// Mean over steps [from, to) of each position of `pick(step)`.
template <typename Pick>
std::vector<double> mean_over_steps(const std::vector<StepRecord>& steps, size_t from, size_t to, Pick pick) {
  std::vector<double> sum;
  size_t n = 0;
  for (size_t s = from; s < to; ++s) {
    const std::vector<double>& v = pick(steps[s]);
    if (v.empty()) continue;
    if (sum.size() < v.size()) sum.resize(v.size(), 0.0);
    for (size_t i = 0; i < v.size(); ++i) sum[i] += v[i];
    ++n;
  }
  for (double& x : sum) x /= double(std::max<size_t>(n, 1));
  return sum;
}

std::optional<double> mean_last_loss(const std::vector<StepRecord>& steps, size_t from, size_t to) {
  double sum = 0;
  size_t n = 0;
  for (size_t s = from; s < to; ++s)
    if (steps[s].last_loss) sum += *steps[s].last_loss, ++n;
  if (n == 0) return std::nullopt;
  return sum / double(n);
}

}  // namespace

std::vector<double> per_layer_values(const json& record, const std::function<bool(const std::string&)>& keep) {
  std::map<int64_t, double> by_layer;
  for (auto it = record.begin(); it != record.end(); ++it) {
    const std::string& key = it.key();
    const auto at = key.rfind("_layer_");
    if (at == std::string::npos || at == 0 || !it.value().is_number() || !keep(key)) continue;
    const std::string digits = key.substr(at + 7);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    by_layer[std::stoll(digits)] = it.value().get<double>();
  }
  std::vector<double> out;
  for (const auto& [layer, value] : by_layer) out.push_back(value);
  return out;
}

std::optional<InteractionTrace> read_interaction_trace(const std::string& metrics_path) {
  if (!io::file_exists(metrics_path)) return std::nullopt;
  std::vector<StepRecord> steps;
  std::istringstream lines(io::read_file(metrics_path));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("\"split\":\"train\"") == std::string::npos) continue;
    const json rec = io::parse_json(line, metrics_path);
    StepRecord r;
    if (rec.contains("loss_last") && rec["loss_last"].is_number()) r.last_loss = rec["loss_last"].get<double>();
    const json events = rec.value("events", json::array());
    r.d_spread = mean_over_events(events, "d_spread");
    r.matched = mean_over_events(events, "matched");
    r.layer_loss = per_layer_values(rec, [](const std::string&) { return true; });  // the <op>_layer_<l> losses
    steps.push_back(std::move(r));
  }
  InteractionTrace t;
  t.steps = int64_t(steps.size());
  if (steps.empty()) return t;
  const size_t window = std::max<size_t>(1, steps.size() / 10), n = steps.size();
  t.window = int64_t(window);
  t.last_loss_start = mean_last_loss(steps, 0, window);
  t.last_loss_end = mean_last_loss(steps, n - window, n);
  t.d_spread_mean = mean_over_steps(steps, 0, n, [](const StepRecord& r) -> const std::vector<double>& { return r.d_spread; });
  t.matched_start = mean_over_steps(steps, 0, window, [](const StepRecord& r) -> const std::vector<double>& { return r.matched; });
  t.matched_end = mean_over_steps(steps, n - window, n, [](const StepRecord& r) -> const std::vector<double>& { return r.matched; });
  auto layer_loss = [](const StepRecord& r) -> const std::vector<double>& { return r.layer_loss; };
  t.layer_loss_start = mean_over_steps(steps, 0, window, layer_loss);
  t.layer_loss_end = mean_over_steps(steps, n - window, n, layer_loss);
  return t;
}

}  // namespace vlsi::distill
