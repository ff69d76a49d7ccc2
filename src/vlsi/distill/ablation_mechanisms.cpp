#include "vlsi/distill/ablation_mechanisms.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "vlsi/distill/ablation_report.h"  // mean_of
#include "vlsi/distill/interaction_trace.h"
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
    std::vector<std::vector<double>> spread, m_start, m_end, l_start, l_end;
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
    }
    if (seeds == 0) continue;
    out[key_of(s)] = {{"seeds", seeds},
                      {"last_loss_start", start.empty() ? json() : json(mean_of(start))},
                      {"last_loss_end", end.empty() ? json() : json(mean_of(end))},
                      {"d_spread", mean_vector(spread)},
                      {"matched_start", mean_vector(m_start)},
                      {"matched_end", mean_vector(m_end)},
                      {"layer_loss_start", mean_vector(l_start)},
                      {"layer_loss_end", mean_vector(l_end)}};
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
         << start_to_end(m, "layer_loss_start", "layer_loss_end", 3) << " |\n";
  }
  if (rows.str().empty()) return "";
  return "\nInteraction step, mean over the seeds that finished: the last-layer loss to the teacher (`loss_last`) "
         "over the first → last tenth of its steps; the spread of the candidate divergences per student target "
         "(max - min, nats; under about 0.3 every temperature samples nearly uniformly); the matched teacher-target "
         "index per student target, first → last tenth (the paper's Figure 5); each student target's loss to its "
         "matched teacher layer (the intermediate op's own units), first → last tenth.\n\n"
         "| setting | seeds | last-layer loss | D spread per student target | matched teacher target per student target "
         "| matched-pair loss per student target |\n"
         "| --- | ---: | --- | --- | --- | --- |\n" +
         rows.str();
}

}  // namespace vlsi::distill
