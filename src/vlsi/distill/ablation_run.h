#pragma once
// Runs an ablation plan (ablation_plan.h), seed by seed:
//   OUT/config.json                        the resolved ablation config
//   OUT/shared/seed-<s>/verbalize_<side>-<hash>/   step 1, shared by every run that has that step-1 config
//   OUT/runs/<slug>/seed-<s>/              a distill run folder (recipe.h)
//   OUT/runs/<slug>/seed-<s>/eval*/        results.json + samples.jsonl of the final student
//   OUT/ablation.json, OUT/results.md      the tables (ablation_report.h), rewritten after every evaluation
// Work that is finished (a run's summary.json, an evaluation's results.json) is
// skipped, so rerunning continues; a step killed mid-training needs `resume`.
// Progress on stderr: "[ablate] 3/24 KLD / none seed 1: ...".
// Evaluation lives above this library (eval/ depends on nothing here), so the
// caller passes it in.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "vlsi/distill/ablation_plan.h"

namespace vlsi::distill {

// Evaluates the model folder `model_dir` with a resolved eval block on `device`, writing
// results.json (and samples) into `out_dir`; returns results.json's content.
using AblationEvaluate = std::function<nlohmann::json(const std::string& model_dir, const nlohmann::json& eval_spec,
                                                      const std::string& device, const std::string& out_dir)>;

struct AblationRunOptions {
  bool resume = false;
  std::string command_line;  // quoted at the top of results.md
  AblationEvaluate evaluate;
};

// Runs (or continues) every run and evaluation of the plan; returns ablation.json's content.
nlohmann::json run_ablation(const AblationPlan& plan, const AblationRunOptions& options);

}  // namespace vlsi::distill
