#pragma once
// `vlsi ablate`: a grid of VLsI recipe variants (the paper's Table 4 in miniature),
// each trained and evaluated over several seeds. This file turns an ablation config
// into a plan: which distinct runs train, which evaluations run on them, and which
// verbalization (step 1) runs they share. ablation_run.h executes a plan and
// ablation_report.h tabulates it.
//
// Ablation config (configs/ablate/demo.json; every field but grids has a default):
//   {"out": "runs/ablate", "seeds": 3,
//    "recipe": {...} | "FILE.json",   the base distill recipe (recipe.h), or its file
//    "eval": {"data": DIR|FILE, "split": "test", "images": "", "batch_size": 64,
//             "max_new_tokens": 8, "beams": 1, "limit": 0, "threads": 0},
//    "grids": [{"name": "ops", "title": "...", "reference": "KLD / KLD", "settings": [
//        {"label": "KLD / none", "set": ["stages.interact.loss.last_op=\"none\""],
//         "eval_set": ["beams=5"]}]}]}
// `set` are --set overrides of the recipe, `eval_set` of the eval block. A grid's
// optional `reference` names one of its settings; the report then gives every
// setting's paired per-seed difference to it with a 95 % interval.
// Seeds are 0..seeds-1; seed s is written into EVERY "seed" field of the recipe
// (each stage's trainer.seed, matching.seed, lora.seed, verbalizer.seed) before a
// setting's overrides, so a setting may still pin one.
//
// Sharing (each piece of work runs once):
//   - settings whose resolved recipes are identical for every seed are one run
//     (OUT/runs/<slug of the first one's label>/seed-<s>/), reported in each place;
//   - settings of one run whose eval blocks are identical are one evaluation
//     (RUN/seed-<s>/eval/, or eval-<slug>/ for an eval block with overrides);
//   - step 1 of each side runs once per distinct step-1 config (the seed is part of
//     it): OUT/shared/seed-<s>/verbalize_<side>-<hash>/, and every run's recipe
//     points `<side>.verbalizers` at it (recipe.h: prepared verbalizers).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vlsi::distill {

struct AblationSetting {
  std::string grid;                   // the grid's name
  std::string label;                  // as in the config, e.g. "KLD / none"
  std::vector<std::string> set;       // recipe overrides
  std::vector<std::string> eval_set;  // eval block overrides
  size_t run = 0;                     // index into AblationPlan::runs
  size_t eval = 0;                    // index into AblationPlan::evals
};

struct AblationRun {                    // one distinct recipe, trained once per seed
  std::string slug;                     // OUT/runs/<slug>/seed-<s>
  std::string label;                    // its first setting's label
  std::vector<nlohmann::json> recipes;  // per seed index: resolved, with out and shared verbalizers
};

struct AblationEval {  // one distinct evaluation of a run
  size_t run = 0;
  std::string name;     // RUN/seed-<s>/<name>/results.json
  std::string label;    // its first setting's label
  nlohmann::json spec;  // the resolved eval block
};

struct SharedVerbalize {      // a step-1 run shared by every run with this exact step-1 config
  std::string stage;          // "verbalize_teacher" or "verbalize_student"
  int64_t seed = 0;
  nlohmann::json config;      // resolved verbalize step config, out = its shared folder
};

struct AblationGrid {
  std::string name, title;
  std::vector<size_t> settings;  // indices into AblationPlan::settings
  // The setting every other one of the grid is compared with, seed by seed
  // (ablation_report.h); an index into AblationPlan::settings, or none.
  static constexpr size_t kNoReference = size_t(-1);
  size_t reference = kNoReference;
};

struct AblationPlan {
  nlohmann::json config;  // the resolved ablation config (OUT/config.json)
  std::string out;
  std::vector<int64_t> seeds;
  std::vector<AblationGrid> grids;
  std::vector<AblationSetting> settings;
  std::vector<AblationRun> runs;
  std::vector<AblationEval> evals;
  std::vector<SharedVerbalize> shared;

  std::string run_dir(size_t run, size_t seed_index) const;    // OUT/runs/<slug>/seed-<s>
  std::string eval_dir(size_t eval, size_t seed_index) const;  // run_dir/<eval name>
};

nlohmann::json ablation_defaults();
nlohmann::json ablation_eval_defaults();
// Merges the defaults, loads a recipe given as a file name, applies --set overrides
// (paths from the top: recipe.stages.interact.trainer.max_steps=10, eval.limit=32, seeds=2).
nlohmann::json resolve_ablation_config(const nlohmann::json& content, const std::vector<std::string>& overrides,
                                       const std::string& where);
// Expands the grids over the seeds and shares identical work, then keeps the grids
// named (all when none; folder names do not depend on the choice). Fails with one
// line naming the grid and setting of a bad override.
AblationPlan plan_ablation(const nlohmann::json& config, const std::vector<std::string>& grid_names);
// The --dry-run listing: every setting, its overrides and where it runs.
std::string describe_ablation_plan(const AblationPlan& plan);

// "KLD / none" -> "kld-none": lower-case letters and digits, other runs of characters -> '-'.
std::string label_slug(const std::string& label);
// Sets every integer field named "seed", at any depth, to `seed`.
void set_all_seeds(nlohmann::json& j, int64_t seed);

}  // namespace vlsi::distill
