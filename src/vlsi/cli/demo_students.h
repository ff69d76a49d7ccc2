#pragma once
// The demo's distillation part (issue: VLsI method): from the SFT-trained
// teacher and student of `vlsi demo`, train three continuations of the student
// with the same optimizer steps and batch size, so the table compares methods
// and nothing else:
//   student-sft   supervised fine-tuning only (the fair baseline)
//   student-kd    last-layer knowledge distillation (forward KL + CE)
//   student-vlsi  the VLsI recipe: verbalization (teacher, student), interaction, reinforcement
// Step count of the baselines = the VLsI student's own steps (its verbalization,
// interaction and reinforcement; the teacher's verbalization trains no student weight).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vlsi::cli {

// Defaults of the demo config's "distill" block (empty object = no distillation).
nlohmann::json demo_distill_defaults();

struct DemoStudentRun {
  std::string name;       // "student-sft", ...
  std::string model_dir;  // plain model folder to evaluate
  nlohmann::json train;   // {"steps", "seconds", "tokens_per_second"}
};

// Runs (or resumes; finished runs are skipped) the three continuations inside
// `out`; `teacher_dir`/`student_dir` are the SFT model folders.
std::vector<DemoStudentRun> run_demo_students(const nlohmann::json& distill_cfg, const std::string& out,
                                              const std::string& teacher_dir, const std::string& student_dir,
                                              const std::string& data_dir, const std::string& where);

}  // namespace vlsi::cli
