#include "vlsi/distill/ablation_mechanisms.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "vlsi/distill/ablation_report.h"  // mean_of
#include "vlsi/distill/interaction_trace.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/read_file.h"

namespace vlsi::distill {
using nlohmann::json;

namespace {

// Element-wise mean of equally long vectors (shorter ones are skipped).
json mean_vector(const std::vector<std::vector<double>>& vs) {
  size_t n = 0;
  for (auto& v : vs) n = std::max(n, v.size());
  if (n == 0) return json();
  std::vector<double> sum(n, 0.0);
  size_t count = 0;
  for (auto& v : vs) {
    if (v.size() != n) continue;
    for (size_t i = 0; i < n; ++i) sum[i] += v[i];
    ++count;
  }
  for (double& x : sum) x /= double(count);
  return sum;
}

std::string fixed(double x, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

std::string key_of(const AblationSetting& s) { return s.grid + "/" + s.label; }

// val_acc_layer_<l> of a summary's final validation, in layer order; empty when absent.
std::vector<double> verbalized_accuracy_of(const std::string& summary_path) {
  if (!io::file_exists(summary_path)) return {};
  const json summary = io::read_json_file(summary_path);
  const json* v = &summary;
  if (summary.contains("stages")) {
    if (!summary["stages"].contains("interact")) return {};
    v = &summary["stages"]["interact"];
  }
  if (!v->contains("final_validation") || !(*v)["final_validation"].is_object()) return {};
  return per_layer_values((*v)["final_validation"], [](const std::string& key) { return key.rfind("val_acc_", 0) == 0; });
}

// The student's verbalized accuracy before interaction: its verbalization
// step's (a shared step-1 folder named in the run's config, or RUN/verbalize_student).
std::vector<double> accuracy_before(const std::string& run) {
  std::string dir = run + "/verbalize_student";
  if (io::file_exists(run + "/config.json")) {
    const json cfg = io::read_json_file(run + "/config.json");
    const std::string shared = cfg.contains("student") ? cfg["student"].value("verbalizers", "") : "";
    if (!shared.empty()) dir = shared.substr(0, shared.find_last_of('/'));
  }
  return verbalized_accuracy_of(dir + "/summary.json");
}

// "a → b, c → d" from two equally long arrays of `m`, or "–".
std::string start_to_end(const json& m, const char* start, const char* end, int digits) {
  if (!m.contains(start) || !m[start].is_array() || !m.contains(end) || !m[end].is_array() ||
      m[start].size() != m[end].size() || m[start].empty())
    return "–";
  std::string out;
  for (size_t j = 0; j < m[start].size(); ++j)
    out += (j ? ", " : "") + fixed(m[start][j].get<double>(), digits) + " → " + fixed(m[end][j].get<double>(), digits);
  return out;
}

}  // namespace

json ablation_mechanisms(const AblationPlan& plan) {
  json out = json::object();
  for (const auto& s : plan.settings) {
    std::vector<double> start, end;
    std::vector<std::vector<double>> spread, m_start, m_end, l_start, l_end, acc_before, acc_after;
    int64_t seeds = 0;
    for (size_t k = 0; k < plan.seeds.size(); ++k) {
      // Only finished runs: a run still training would mix a partial trace in.
      if (!io::file_exists(plan.run_dir(s.run, k) + "/summary.json")) continue;
      auto t = read_interaction_trace(plan.run_dir(s.run, k) + "/interact/metrics.jsonl");
      if (!t || t->steps == 0) continue;
      ++seeds;
      if (t->last_loss_start) start.push_back(*t->last_loss_start);
      if (t->last_loss_end) end.push_back(*t->last_loss_end);
      spread.push_back(t->d_spread_mean);
      m_start.push_back(t->matched_start);
      m_end.push_back(t->matched_end);
      l_start.push_back(t->layer_loss_start);
      l_end.push_back(t->layer_loss_end);
      acc_before.push_back(accuracy_before(plan.run_dir(s.run, k)));
      acc_after.push_back(verbalized_accuracy_of(plan.run_dir(s.run, k) + "/summary.json"));
    }
    if (seeds == 0) continue;
    out[key_of(s)] = {{"seeds", seeds},
                      {"last_loss_start", start.empty() ? json() : json(mean_of(start))},
                      {"last_loss_end", end.empty() ? json() : json(mean_of(end))},
                      {"d_spread", mean_vector(spread)},
                      {"matched_start", mean_vector(m_start)},
                      {"matched_end", mean_vector(m_end)},
                      {"layer_loss_start", mean_vector(l_start)},
                      {"layer_loss_end", mean_vector(l_end)},
                      {"verbalized_accuracy_before", mean_vector(acc_before)},
                      {"verbalized_accuracy_after", mean_vector(acc_after)}};
  }
  return out;
}

std::string mechanisms_markdown(const AblationPlan& plan, const AblationGrid& grid, const json& mechanisms) {
  std::ostringstream rows;
  for (size_t i : grid.settings) {
    const auto& s = plan.settings[i];
    if (!mechanisms.contains(key_of(s))) continue;
    const json& m = mechanisms[key_of(s)];
    rows << "| " << s.label << " | " << m["seeds"].get<int64_t>() << " | ";
    if (m["last_loss_start"].is_number() && m["last_loss_end"].is_number())
      rows << fixed(m["last_loss_start"].get<double>(), 3) << " → " << fixed(m["last_loss_end"].get<double>(), 3);
    else
      rows << "–";
    rows << " | ";
    if (m["d_spread"].is_array()) {
      std::string sep;
      for (auto& x : m["d_spread"]) rows << sep << fixed(x.get<double>(), 3), sep = ", ";
    } else {
      rows << "–";
    }
    rows << " | " << start_to_end(m, "matched_start", "matched_end", 1) << " | "
         << start_to_end(m, "layer_loss_start", "layer_loss_end", 3) << " | "
         << start_to_end(m, "verbalized_accuracy_before", "verbalized_accuracy_after", 3) << " |\n";
  }
  if (rows.str().empty()) return "";
  return "\nInteraction step, mean over the seeds that finished: the last-layer loss to the teacher (`loss_last`) "
         "over the first → last tenth of its steps; the spread of the candidate divergences per student target "
         "(max - min, nats; under about 0.3 every temperature samples nearly uniformly); the matched teacher-target "
         "index per student target, first → last tenth (the paper's Figure 5); each student target's loss to its "
         "matched teacher layer (the intermediate op's own units), first → last tenth; each student target's "
         "verbalized accuracy on the validation answer tokens (teacher-forced argmax), after its verbalization step "
         "→ after interaction.\n\n"
         "| setting | seeds | last-layer loss | D spread per student target | matched teacher target per student target "
         "| matched-pair loss per student target | verbalized accuracy per student target |\n"
         "| --- | ---: | --- | --- | --- | --- | --- |\n" +
         rows.str();
}

}  // namespace vlsi::distill
