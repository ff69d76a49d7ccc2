#pragma once
// Tables of an ablation (ablation_plan.h): test accuracy per setting as mean and
// sample standard deviation (n - 1) over the seeds whose evaluation finished.
//   OUT/ablation.json  {"columns": [...], "rows": [[...], ...]} (the shape `vlsi report`
//                      renders): grid, setting, n, overall mean and std, per-category
//                      means, then (grids with a reference) the paired per-seed difference
//                      to the reference with its 95 % interval, the same difference's
//                      interval with the test questions as the unit (question_difference.h),
//                      each seed's overall, the result folder; numbers in percent, null
//                      where n = 0
//   OUT/mechanisms.json what each setting's interaction did, averaged over seeds
//                      (ablation_mechanisms.h)
//   OUT/results.md     the command line, then one markdown table per grid
//                      (setting | overall mean ± std | n | [Δ by seed | interval by
//                      question] | per-category means | result)
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/distill/ablation_plan.h"
#include "vlsi/distill/paired_difference.h"
#include "vlsi/distill/question_difference.h"

namespace vlsi::distill {

// Accuracies in percent of one setting, one entry per finished seed.
struct SettingScores {
  std::vector<int64_t> seeds;
  std::vector<double> overall;
  std::map<std::string, std::vector<double>> categories;
  // Per seed; empty where no samples.jsonl was written or no grid compares the setting
  // with a reference.
  std::vector<QuestionCorrectness> questions;
};

double mean_of(const std::vector<double>& v);         // 0 for none
double sample_std_of(const std::vector<double>& v);   // n - 1 in the denominator; 0 for fewer than two
// "84.3 ± 1.2" (one decimal; "80.0 ± 0.0" for one value); "–" for none.
std::string format_mean_std(const std::vector<double>& v);
// "+1.2 [-0.3, +2.7]"; "+1.2 (1 seed)"; "–" when no seed pairs.
std::string format_paired_difference(const PairedDifference& d);
// "[-0.3, +1.1]"; "–" when no seed has samples on both sides or fewer than two questions pair.
std::string format_question_interval(const QuestionDifference& q);

// Reads every finished evaluation (eval_dir/results.json, and samples.jsonl where
// written) of the plan, per setting.
std::vector<SettingScores> collect_ablation_scores(const AblationPlan& plan);
nlohmann::json ablation_table(const AblationPlan& plan, const std::vector<SettingScores>& scores);
std::string ablation_markdown(const AblationPlan& plan, const std::vector<SettingScores>& scores,
                              const std::string& command_line);
// The same with the mechanisms already read (ablation_mechanisms.h).
std::string ablation_markdown(const AblationPlan& plan, const std::vector<SettingScores>& scores,
                              const std::string& command_line, const nlohmann::json& mechanisms);
// Collects the scores and writes OUT/ablation.json and OUT/results.md (atomically).
void write_ablation_report(const AblationPlan& plan, const std::string& command_line);

}  // namespace vlsi::distill
