#pragma once
// The training budget of each arm of `vlsi demo`, as its table states it:
//   backbone_steps     optimizer steps that update the student's LLM backbone
//                      (SFT, KD, interaction, reinforcement; the student-verbalizer
//                      steps of VLsI's step 1 never touch it)
//   verbalizer_steps   the VLsI student's step-1 steps (verbalizers only)
//   distinct_records   training records the backbone steps read, counted once
// The student arms' numbers are their own training on top of the base student.
// Computed from the resolved configs alone (data/record_range.h), before training.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "vlsi/data/record_range.h"

namespace vlsi::cli {

struct ArmBudget {
  int64_t backbone_steps = 0;
  int64_t verbalizer_steps = 0;
  std::vector<data::RecordRange> backbone_reads;  // one per backbone stage

  // {"backbone_steps", "verbalizer_steps", "distinct_records"} on a dataset of `n_records`.
  nlohmann::json to_json(int64_t n_records) const;
};

// One training run that updates the backbone all along (SFT, a baseline step):
// its "trainer" and "data" blocks.
ArmBudget single_run_budget(const nlohmann::json& run_cfg);
// The VLsI arm, from distill::distill_stage_configs (verbalize_teacher counts for nothing).
ArmBudget vlsi_budget(const nlohmann::json& stage_cfgs);

}  // namespace vlsi::cli
