#pragma once
// The demo's distillation part (issue: VLsI method): from the SFT-trained
// teacher and student of `vlsi demo`, train three continuations of the student
// with equal budgets (demo_budget.h), so the table compares methods and nothing else:
//   student-sft   supervised fine-tuning only (the fair baseline)
//   student-kd    last-layer knowledge distillation (forward KL + CE)
//   student-vlsi  the VLsI recipe: verbalization (teacher, student), interaction, reinforcement
// Data: the base student SFT read records 0..student_records-1 of the loader order
// (seed = the demo's seed); VLsI's stages read the following disjoint ranges
// (distill/recipe.h, stage_data), and each baseline runs as many steps as VLsI's
// backbone steps (interaction + reinforcement) on exactly the records those read.
// The student-verbalizer steps are not backbone steps; they are reported apart.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/cli/demo_budget.h"

namespace vlsi::cli {

// Defaults of the demo config's "distill" block (empty object = no distillation).
nlohmann::json demo_distill_defaults();

struct DemoStudentSetup {
  std::string out;                     // the demo's run folder
  std::string teacher_dir, student_dir;  // the SFT model folders
  std::string data_dir;
  std::string student_train;    // the student's training records (empty: data_dir/train.jsonl)
  uint64_t seed = 0;            // the demo's seed: every stage's trainer (and so loader) seed
  int64_t student_records = 0;  // records the base student's SFT read (VLsI's data start after them)
};

struct DemoBaseline {
  std::string name;  // "student-sft", "student-kd"
  std::string step;  // "reinforce" or "kd"
  nlohmann::json cfg;  // resolved step config
  ArmBudget budget;
};

// Everything the three continuations will run, resolved and validated, nothing trained.
struct DemoStudentPlan {
  nlohmann::json recipe;  // student-vlsi's resolved distill config
  nlohmann::json stages;  // its stage configs (distill::distill_stage_configs)
  ArmBudget vlsi_budget;
  std::vector<DemoBaseline> baselines;
};

DemoStudentPlan plan_demo_students(const nlohmann::json& distill_block, const DemoStudentSetup& setup,
                                   const std::string& where);

struct DemoStudentRun {
  std::string name;       // "student-sft", ...
  std::string model_dir;  // plain model folder to evaluate
  nlohmann::json train;   // {"steps", "seconds", "tokens_per_second"}
  nlohmann::json budget;  // ArmBudget::to_json
};

// Runs (or resumes; finished runs are skipped) the planned continuations;
// `n_records` is the training split's size (for the distinct-record counts).
std::vector<DemoStudentRun> run_demo_students(const DemoStudentPlan& plan, int64_t n_records);

}  // namespace vlsi::cli
