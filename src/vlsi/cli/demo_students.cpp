#include "vlsi/cli/demo_students.h"

#include <cstdio>

#include "vlsi/distill/recipe.h"
#include "vlsi/distill/step_config.h"
#include "vlsi/distill/step_run.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"

namespace vlsi::cli {
using io::json;

json demo_distill_defaults() {
  return {
      {"recipe", json::object()},  // vlsi distill recipe fields (model paths and data are filled in)
      // Step-config fields per baseline (vlsi train reinforce|kd); "trainer" defaults
      // to the interaction stage's trainer with max_steps = the VLsI student's steps.
      {"baselines", {{"sft", json::object()}, {"kd", json::object()}}},
  };
}

namespace {

int64_t stage_steps(const json& stages, const char* name) {
  return stages.contains(name) ? stages[name]["trainer"]["max_steps"].get<int64_t>() : 0;
}

json train_record(const json& summary) {
  return {{"steps", summary.value("steps", 0)},
          {"seconds", summary.value("seconds", 0.0)},
          {"tokens_per_second", summary.value("tokens_per_second", 0.0)}};
}

}  // namespace

std::vector<DemoStudentRun> run_demo_students(const json& distill_block, const std::string& out,
                                              const std::string& teacher_dir, const std::string& student_dir,
                                              const std::string& data_dir, const std::string& where) {
  const json distill_cfg = io::merge_with_defaults(demo_distill_defaults(), distill_block, where);
  json recipe = io::get_or<json>(distill_cfg, "recipe", json::object(), where);
  recipe["out"] = out + "/student-vlsi";
  recipe["teacher"]["model"] = teacher_dir;
  recipe["student"]["model"] = student_dir;
  recipe["data"]["train"] = data_dir + "/train.jsonl";
  recipe["data"]["val"] = data_dir + "/val.jsonl";
  json resolved = distill::resolve_distill_config(recipe, {}, where + ".recipe");
  json stages = distill::distill_stage_configs(resolved);
  const int64_t student_steps =
      stage_steps(stages, "verbalize_student") + stage_steps(stages, "interact") + stage_steps(stages, "reinforce");
  check(student_steps > 0, where, ": the VLsI recipe runs no student step");

  // Baselines first: they are cheaper, and their rows are useful on their own.
  std::vector<DemoStudentRun> runs;
  for (const char* base : {"sft", "kd"}) {
    const std::string name = std::string("student-") + base;
    const std::string step = std::string(base) == "sft" ? "reinforce" : "kd";
    json c = io::get_or<json>(distill_cfg["baselines"], base, json::object(), where + ".baselines");
    json trainer = stages["interact"]["trainer"];
    trainer["max_steps"] = student_steps;
    if (c.contains("trainer")) trainer.merge_patch(c["trainer"]);
    c["trainer"] = trainer;
    c["out"] = out + "/" + name;
    c["student"]["model"] = student_dir;
    if (step == "kd") c["teacher"]["model"] = teacher_dir;
    c["data"] = resolved["data"];
    if (!c.contains("finetune")) c["finetune"] = stages["interact"]["finetune"];
    if (!c.contains("lora")) c["lora"] = stages["interact"]["lora"];
    json cfg = distill::resolve_step_config(step, c, {}, where + ".baselines." + base);
    std::fprintf(stderr, "\n== demo: %s — %s, %lld steps\n", name.c_str(),
                 step == "kd" ? "last-layer knowledge distillation" : "supervised fine-tuning only",
                 (long long)student_steps);
    json s = distill::run_step(step, cfg, /*resume=*/true);
    runs.push_back({name, cfg["out"].get<std::string>() + "/model", train_record(s)});
  }

  std::fprintf(stderr, "\n== demo: student-vlsi — VLsI (verbalize teacher and student, interact, reinforce)\n");
  json s = distill::run_distill(resolved, /*resume=*/true);
  // Time counts every stage (the teacher's verbalization is part of the method's
  // cost); steps count only the student's, as the baselines' budget does.
  json total = {{"steps", 0}, {"seconds", 0.0}};
  double tokens = 0;
  for (auto& [stage, st] : s["stages"].items()) {
    if (!st.contains("steps")) continue;  // prepared verbalizers
    total["seconds"] = total["seconds"].get<double>() + st.value("seconds", 0.0);
    tokens += st.value("seconds", 0.0) * st.value("tokens_per_second", 0.0);
    if (stage != "verbalize_teacher") total["steps"] = total["steps"].get<int64_t>() + st.value("steps", 0);
  }
  total["tokens_per_second"] = total["seconds"].get<double>() > 0 ? tokens / total["seconds"].get<double>() : 0.0;
  runs.push_back({"student-vlsi", s["student"].get<std::string>(), train_record(total)});
  return runs;
}

}  // namespace vlsi::cli
