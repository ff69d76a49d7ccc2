#include "vlsi/distill/ablation_report.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <set>
#include <sstream>

#include "vlsi/distill/ablation_mechanisms.h"
#include "vlsi/distill/paired_difference.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"

namespace vlsi::distill {
using io::json;
namespace {

std::string one_decimal(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", x);
  return buf;
}

// Percent, two decimals: enough for tables, stable in diffs.
json rounded(double x) { return std::round(x * 100.0) / 100.0; }

// Every category seen in any finished evaluation, so all grids share one column order.
std::vector<std::string> all_categories(const std::vector<SettingScores>& scores) {
  std::set<std::string> names;
  for (auto& s : scores)
    for (auto& [c, v] : s.categories) names.insert(c);
  return {names.begin(), names.end()};
}

std::string cell_text(const std::string& s) {  // a markdown table cell: '|' escaped
  std::string o;
  for (char c : s) o += c == '|' ? std::string("\\|") : std::string(1, c);
  return o;
}

// Where a setting's numbers come from, relative to OUT, and which other settings share them.
std::string result_folder(const AblationPlan& plan, const AblationSetting& s) {
  return "runs/" + plan.runs[s.run].slug + "/seed-*/" + plan.evals[s.eval].name;
}

std::string shared_with(const AblationPlan& plan, size_t index) {
  std::string o;
  for (size_t i = 0; i < plan.settings.size(); ++i) {
    const auto& s = plan.settings[i];
    if (i == index || s.eval != plan.settings[index].eval) continue;
    o += (o.empty() ? "" : ", ") + s.grid + ": " + s.label;
  }
  return o;
}

std::string signed_one_decimal(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f", x);
  return buf;
}

// Setting i against its grid's reference: seed by seed (PairedDifference) or question by
// question (QuestionDifference); nullopt where the grid has none or i is the reference.
struct ReferenceComparison {
  const AblationGrid& grid;
  size_t setting;
  const std::vector<SettingScores>& scores;
  bool applies() const { return grid.reference != AblationGrid::kNoReference && grid.reference != setting; }
  std::optional<PairedDifference> by_seed() const {
    if (!applies()) return std::nullopt;
    const auto &a = scores[setting], &r = scores[grid.reference];
    return paired_difference(a.seeds, a.overall, r.seeds, r.overall);
  }
  std::optional<QuestionDifference> by_question() const {
    if (!applies()) return std::nullopt;
    const auto &a = scores[setting], &r = scores[grid.reference];
    return question_difference(a.seeds, a.questions, r.seeds, r.questions);
  }
};

}  // namespace

std::string format_paired_difference(const PairedDifference& d) {
  if (d.n == 0) return "–";
  if (d.n == 1) return signed_one_decimal(d.mean) + " (1 seed)";
  return signed_one_decimal(d.mean) + " [" + signed_one_decimal(d.low) + ", " + signed_one_decimal(d.high) + "]";
}

std::string format_question_interval(const QuestionDifference& q) {
  if (q.over_questions.n < 2) return "–";
  return "[" + signed_one_decimal(q.over_questions.low) + ", " + signed_one_decimal(q.over_questions.high) + "]";
}

double mean_of(const std::vector<double>& v) {
  if (v.empty()) return 0;
  double sum = 0;
  for (double x : v) sum += x;
  return sum / double(v.size());
}

double sample_std_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  double m = mean_of(v), ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / double(v.size() - 1));
}

std::string format_mean_std(const std::vector<double>& v) {
  if (v.empty()) return "–";
  return one_decimal(mean_of(v)) + " ± " + one_decimal(sample_std_of(v));
}

std::vector<SettingScores> collect_ablation_scores(const AblationPlan& plan) {
  std::vector<SettingScores> scores(plan.settings.size());
  // Per-question answers matter only where a grid compares against a reference; the
  // report is rewritten after every evaluation, so the rest are not read at all, and
  // an evaluation that several settings share is read once.
  std::vector<bool> compared(plan.settings.size(), false);
  for (const auto& g : plan.grids)
    if (g.reference != AblationGrid::kNoReference)
      for (size_t i : g.settings) compared[i] = true;
  std::map<std::string, QuestionCorrectness> samples_read;
  for (size_t i = 0; i < plan.settings.size(); ++i) {
    for (size_t k = 0; k < plan.seeds.size(); ++k) {
      const std::string path = plan.eval_dir(plan.settings[i].eval, k) + "/results.json";
      if (!io::file_exists(path)) continue;
      json r = io::read_json_file(path);
      scores[i].seeds.push_back(plan.seeds[k]);
      const std::string samples = plan.eval_dir(plan.settings[i].eval, k) + "/samples.jsonl";
      if (compared[i] && !samples_read.count(samples) && io::file_exists(samples))
        samples_read[samples] = read_question_correctness(samples);
      auto found = compared[i] ? samples_read.find(samples) : samples_read.end();
      scores[i].questions.push_back(found == samples_read.end() ? QuestionCorrectness{} : found->second);
      scores[i].overall.push_back(100.0 * io::get_field<double>(r.at("overall"), "accuracy", path + ": overall"));
      const json categories = r.value("categories", json::object());
      for (auto& [c, v] : categories.items())
        scores[i].categories[c].push_back(100.0 * io::get_field<double>(v, "accuracy", path + ": categories." + c));
    }
  }
  return scores;
}

json ablation_table(const AblationPlan& plan, const std::vector<SettingScores>& scores) {
  auto categories = all_categories(scores);
  json columns = {"grid", "setting", "n", "overall", "overall_std"};
  for (auto& c : categories) columns.push_back(c);
  for (const char* c : {"reference", "diff", "diff_low", "diff_high", "diff_n", "diff_question_low",
                        "diff_question_high", "diff_questions", "overall_by_seed", "result"})
    columns.push_back(c);
  json rows = json::array();
  for (const auto& g : plan.grids) {
    for (size_t i : g.settings) {
      const auto& sc = scores[i];
      const bool any = !sc.overall.empty();
      json row = {g.name, plan.settings[i].label, sc.overall.size(), any ? rounded(mean_of(sc.overall)) : json(),
                  any ? rounded(sample_std_of(sc.overall)) : json()};
      for (auto& c : categories) {
        auto it = sc.categories.find(c);
        row.push_back(it == sc.categories.end() ? json() : rounded(mean_of(it->second)));
      }
      const ReferenceComparison compare{g, i, scores};
      const auto d = compare.by_seed();
      const bool paired = d && d->n > 0;
      row.push_back(d ? json(plan.settings[g.reference].label) : json());
      row.push_back(paired ? rounded(d->mean) : json());
      row.push_back(paired ? rounded(d->low) : json());
      row.push_back(paired ? rounded(d->high) : json());
      row.push_back(d ? json(d->n) : json());
      const auto q = compare.by_question();
      const bool interval = q && q->over_questions.n >= 2;
      row.push_back(interval ? rounded(q->over_questions.low) : json());
      row.push_back(interval ? rounded(q->over_questions.high) : json());
      row.push_back(q ? json(q->over_questions.n) : json());
      json by_seed = json::object();
      for (size_t k = 0; k < sc.seeds.size(); ++k) by_seed[std::to_string(sc.seeds[k])] = rounded(sc.overall[k]);
      row.push_back(by_seed);
      row.push_back(result_folder(plan, plan.settings[i]));
      rows.push_back(row);
    }
  }
  return {{"columns", columns}, {"rows", rows}};
}

std::string ablation_markdown(const AblationPlan& plan, const std::vector<SettingScores>& scores,
                              const std::string& command_line) {
  return ablation_markdown(plan, scores, command_line, ablation_mechanisms(plan));
}

std::string ablation_markdown(const AblationPlan& plan, const std::vector<SettingScores>& scores,
                              const std::string& command_line, const json& mechanisms) {
  auto categories = all_categories(scores);
  const json& ev = plan.config["eval"];
  std::ostringstream o;
  o << "# VLsI ablations\n\n`" << command_line << "`\n\n"
    << "Test accuracy (%) on `" << ev["data"].get<std::string>() << "` (split `" << ev["split"].get<std::string>()
    << "`): overall as mean ± sample standard deviation (n - 1) over the n seeds whose evaluation finished, "
    << "per category as means; seeds 0.." << plan.seeds.size() - 1 << ". Result folders are relative to `"
    << plan.out << "`; settings that name the same folder are one run, reported in each place. "
    << "Where a grid names a reference setting, Δ is each setting's accuracy minus the reference's, paired by "
    << "seed: the mean over the seeds both finished and its 95 % interval (Student's t, n - 1 degrees of "
    << "freedom), which covers training noise only; then the same difference's 95 % interval with the test "
    << "questions as the unit (each question's correctness averaged over those seeds, Student's t over the "
    << "questions), which also covers which questions the test set drew.\n";
  for (const auto& g : plan.grids) {
    const bool has_reference = g.reference != AblationGrid::kNoReference;
    o << "\n## " << cell_text(g.title) << "\n\n| setting | overall | n |";
    if (has_reference)
      o << " Δ vs " << cell_text(plan.settings[g.reference].label) << " [95 % CI by seed] | 95 % CI by question |";
    for (auto& c : categories) o << " " << cell_text(c) << " |";
    o << " result |\n| --- | ---: | ---: |" << (has_reference ? " ---: | ---: |" : "");
    for (size_t k = 0; k < categories.size(); ++k) o << " ---: |";
    o << " --- |\n";
    for (size_t i : g.settings) {
      const auto& sc = scores[i];
      o << "| " << cell_text(plan.settings[i].label) << " | " << format_mean_std(sc.overall) << " | "
        << sc.overall.size() << " |";
      if (has_reference) {
        const ReferenceComparison compare{g, i, scores};
        const auto d = compare.by_seed();
        const auto q = compare.by_question();
        o << " " << (d ? format_paired_difference(*d) : std::string("(reference)")) << " | "
          << (q ? format_question_interval(*q) : std::string()) << " |";
      }
      for (auto& c : categories) {
        auto it = sc.categories.find(c);
        o << " " << (it == sc.categories.end() ? "–" : one_decimal(mean_of(it->second))) << " |";
      }
      std::string shared = shared_with(plan, i);
      o << " `" << result_folder(plan, plan.settings[i]) << "`"
        << (shared.empty() ? "" : " (also " + cell_text(shared) + ")") << " |\n";
    }
    o << mechanisms_markdown(plan, g, mechanisms);
  }
  return o.str();
}

void write_ablation_report(const AblationPlan& plan, const std::string& command_line) {
  auto scores = collect_ablation_scores(plan);
  const json mechanisms = ablation_mechanisms(plan);  // reads every run's metrics once
  io::write_json_file(plan.out + "/ablation.json", ablation_table(plan, scores));
  io::write_json_file(plan.out + "/mechanisms.json", mechanisms);
  io::write_file_atomic(plan.out + "/results.md", ablation_markdown(plan, scores, command_line, mechanisms));
}

}  // namespace vlsi::distill
