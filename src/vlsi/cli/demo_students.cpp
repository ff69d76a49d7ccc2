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
      // to the interaction stage's trainer with max_steps = VLsI's backbone steps.
      {"baselines", {{"sft", json::object()}, {"kd", json::object()}}},
  };
}

namespace {

json train_record(const json& summary) {
  return {{"steps", summary.value("steps", 0)},
          {"seconds", summary.value("seconds", 0.0)},
          {"tokens_per_second", summary.value("tokens_per_second", 0.0)}};
}

int64_t records_listed(const ArmBudget& b) {
  int64_t n = 0;
  for (const auto& r : b.backbone_reads) n += r.count;
  return n;
}

}  // namespace

DemoStudentPlan plan_demo_students(const json& distill_block, const DemoStudentSetup& setup, const std::string& where) {
  const json distill_cfg = io::merge_with_defaults(demo_distill_defaults(), distill_block, where);
  json recipe = io::get_or<json>(distill_cfg, "recipe", json::object(), where);
  recipe["out"] = setup.out + "/student-vlsi";
  recipe["teacher"]["model"] = setup.teacher_dir;
  recipe["student"]["model"] = setup.student_dir;
  recipe["data"]["train"] = setup.student_train.empty() ? setup.data_dir + "/train.jsonl" : setup.student_train;
  recipe["data"]["val"] = setup.data_dir + "/val.jsonl";
  // The base student read the loader order from its start with the demo's seed;
  // VLsI's stages continue that order (unless the config says otherwise).
  if (!recipe["data"].contains("record_offset")) recipe["data"]["record_offset"] = setup.student_records;
  const json stage_names = distill::distill_defaults()["stages"];  // named: items() must not outlive it
  for (const auto& item : stage_names.items()) {
    json& trainer = recipe["stages"][item.key()]["trainer"];
    if (!trainer.contains("seed")) trainer["seed"] = setup.seed;
  }

  DemoStudentPlan plan;
  plan.recipe = distill::resolve_distill_config(recipe, {}, where + ".recipe");
  plan.stages = distill::distill_stage_configs(plan.recipe);
  plan.vlsi_budget = vlsi_budget(plan.stages);
  check(plan.vlsi_budget.backbone_steps > 0, where, ": the VLsI recipe runs no backbone step");

  // Each baseline: VLsI's backbone steps on the records VLsI's backbone stages read.
  for (const char* base : {"sft", "kd"}) {
    DemoBaseline b;
    b.name = std::string("student-") + base;
    b.step = std::string(base) == "sft" ? "reinforce" : "kd";
    json c = io::get_or<json>(distill_cfg["baselines"], base, json::object(), where + ".baselines");
    json trainer = plan.stages["interact"]["trainer"];
    trainer["max_steps"] = plan.vlsi_budget.backbone_steps;
    if (c.contains("trainer")) trainer.merge_patch(c["trainer"]);
    c["trainer"] = trainer;
    c["out"] = setup.out + "/" + b.name;
    c["student"]["model"] = setup.student_dir;
    if (b.step == "kd") c["teacher"]["model"] = setup.teacher_dir;
    c["data"] = plan.stages["interact"]["data"];
    if (!c.contains("finetune")) c["finetune"] = plan.stages["interact"]["finetune"];
    if (!c.contains("lora")) c["lora"] = plan.stages["interact"]["lora"];
    b.cfg = distill::resolve_step_config(b.step, c, {}, where + ".baselines." + base);
    b.budget = single_run_budget(b.cfg);
    if (b.budget.backbone_steps != plan.vlsi_budget.backbone_steps ||
        records_listed(b.budget) != records_listed(plan.vlsi_budget))
      std::fprintf(stderr, "demo: warning: %s's budget (%lld steps, %lld records) differs from student-vlsi's "
                   "(%lld, %lld)\n", b.name.c_str(), (long long)b.budget.backbone_steps,
                   (long long)records_listed(b.budget), (long long)plan.vlsi_budget.backbone_steps,
                   (long long)records_listed(plan.vlsi_budget));
    plan.baselines.push_back(b);
  }
  return plan;
}

std::vector<DemoStudentRun> run_demo_students(const DemoStudentPlan& plan, int64_t n_records) {
  // Baselines first: they are cheaper, and their rows are useful on their own.
  std::vector<DemoStudentRun> runs;
  for (const auto& b : plan.baselines) {
    std::fprintf(stderr, "\n== demo: %s — %s, %lld steps\n", b.name.c_str(),
                 b.step == "kd" ? "last-layer knowledge distillation" : "supervised fine-tuning only",
                 (long long)b.budget.backbone_steps);
    json s = distill::run_step(b.step, b.cfg, /*resume=*/true);
    runs.push_back({b.name, b.cfg["out"].get<std::string>() + "/model", train_record(s), b.budget.to_json(n_records)});
  }

  std::fprintf(stderr, "\n== demo: student-vlsi — VLsI (verbalize teacher and student, interact, reinforce)\n");
  json s = distill::run_distill(plan.recipe, /*resume=*/true);
  // Time counts every stage (the teacher's verbalization is part of the method's
  // cost); steps count only the student's.
  json total = {{"steps", 0}, {"seconds", 0.0}};
  double tokens = 0;
  for (auto& [stage, st] : s["stages"].items()) {
    if (!st.contains("steps")) continue;  // prepared verbalizers
    total["seconds"] = total["seconds"].get<double>() + st.value("seconds", 0.0);
    tokens += st.value("seconds", 0.0) * st.value("tokens_per_second", 0.0);
    if (stage != "verbalize_teacher") total["steps"] = total["steps"].get<int64_t>() + st.value("steps", 0);
  }
  total["tokens_per_second"] = total["seconds"].get<double>() > 0 ? tokens / total["seconds"].get<double>() : 0.0;
  runs.push_back({"student-vlsi", s["student"].get<std::string>(), train_record(total),
                  plan.vlsi_budget.to_json(n_records)});
  return runs;
}

}  // namespace vlsi::cli
