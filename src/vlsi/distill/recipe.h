#pragma once
// The whole VLsI recipe in one resumable run folder (`vlsi distill`):
//   RUN/config.json            the resolved recipe
//   RUN/verbalize_teacher/     step 1 for the teacher   (a verbalize run folder, step_run.h)
//   RUN/verbalize_student/     step 1 for the student
//   RUN/interact/              step 2                   (interact.json: target lists, match counts)
//   RUN/reinforce/             step 3 (skipped when stages.reinforce.share is 0)
//   RUN/student/               the final student: a plain HF-layout model folder (LoRA
//                              merged) with verbalizers.safetensors/.json beside it, and
//                              layer_pairing.json (step 2's matched-layer pairing)
//   RUN/teacher/               the teacher model (linked) with its step-1 verbalizers, for
//                              `vlsi verbalize/serve --teacher` (served_folders.h)
//   RUN/summary.json           every stage's summary and the final paths
// Finished stages (summary.json present) are skipped, so rerunning continues where
// the run stopped; a stage with checkpoints needs `resume`.
// Target layers are set per model (teacher.target_layers, student.target_layers: an
// explicit list or start/stride), resolved against each config.json before
// anything trains, and t_l > t_s is checked then.
// `teacher.verbalizers` / `student.verbalizers` name a prepared verbalizer folder
// (e.g. shared by the runs of an ablation, ablation_run.h): step 1 is then not run
// for that side, and the folder must verbalize that side's target layers.
// The reinforcement step runs round(share x interact's max_steps) steps (paper
// ablation: 50% / 100%); its own trainer.max_steps is replaced by that. It
// fine-tunes as the interaction step does (full or LoRA) unless
// stages.reinforce.finetune names a mode explicitly.
// With stage_data "disjoint" (the default) each stage's data.record_offset starts
// where the previous stage's reading ended, so the stages read disjoint records
// (data/record_range.h); "shared" gives every stage data.record_offset.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vlsi::distill {

nlohmann::json distill_defaults();
nlohmann::json resolve_distill_config(const nlohmann::json& content, const std::vector<std::string>& overrides,
                                      const std::string& where);
// The step configs the recipe runs, by stage name, fully resolved (for inspection and tests).
nlohmann::json distill_stage_configs(const nlohmann::json& config);
// Runs (or continues) the recipe; returns RUN/summary.json's content. With `resume`,
// the recipe (RUN/config.json) and every stage must be continued with the config
// they were started with, unless `force` (train/run_folder.h).
nlohmann::json run_distill(const nlohmann::json& config, bool resume, bool force = false);

}  // namespace vlsi::distill
