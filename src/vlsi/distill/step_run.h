#pragma once
// One VLsI training step as a run folder (the pattern of train/sft_run.h):
//   config.json (resolved), metrics.jsonl, checkpoints/step-N/, summary.json, and
//   verbalize:                 verbalizers/ (verbalizers.safetensors + verbalizers.json)
//   interact | kd | reinforce: adapter/ (LoRA, PEFT layout), verbalizers/ (when the
//                              student has them), model/ (the plain student: LoRA merged,
//                              verbalizer files beside; unless save_merged is off);
//                              interact also writes interact.json (both target-layer
//                              lists, the loss/matching options and, at the end,
//                              match_counts[i_s][j] over all steps: Figure 5's heatmap).
// A run whose summary.json exists is complete and not run again; a folder with
// checkpoints is continued only with `resume`.
// metrics.jsonl: verbalize logs ce_layer_<L>; interact logs kl_layer_<L> (or
// ce_/l2_layer_<L> with another op), loss_intermediate, loss_last, loss_ce, and
// "events": [{"matched": [...], "temperature": [...]}] per micro-batch.
#include <nlohmann/json.hpp>
#include <string>

namespace vlsi::distill {

// Runs (or resumes) a resolved config (step_config.h) of `step`. Returns summary.json's content.
// `force` resumes with a config that differs from the run's own (train/run_folder.h).
nlohmann::json run_step(const std::string& step, const nlohmann::json& config, bool resume, bool force = false);
nlohmann::json run_verbalize(const nlohmann::json& config, bool resume, bool force = false);
nlohmann::json run_student_step(const std::string& step, const nlohmann::json& config, bool resume,
                                bool force = false);

// match_counts[i_s][j] from the "matched" events of a metrics.jsonl (t_s x t_l).
nlohmann::json match_counts_from_metrics(const std::string& metrics_path, int64_t t_s, int64_t t_l);
// Per student target: its last candidate band and the candidates' D spread (max - min)
// over the run's steps: [{"band": [lo, hi], "steps": n, "mean", "min", "max"}, ...].
nlohmann::json band_spread_from_metrics(const std::string& metrics_path, int64_t t_s);

}  // namespace vlsi::distill
