// The demo's arms get equal training budgets, computed from the configs before
// anything trains, and its table states them.
#include <gtest/gtest.h>

#include "../support/temp_dir.h"
#include "vlsi/cli/demo_recipe.h"
#include "vlsi/cli/demo_students.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"

using namespace vlsi;
using namespace vlsi::cli;
using io::json;

namespace {

// Teacher and student folders with the demo's model configs (the plan reads their layer counts).
DemoStudentSetup demo_setup(const json& demo, uint64_t seed) {
  DemoStudentSetup s;
  s.out = test_dirs::scratch_dir("vlsi_demo_budget_", "");
  for (const char* name : {"teacher", "student"}) {
    json m = io::read_json_file(std::string(VLSI_SOURCE_DIR) + "/configs/" + demo["models"][name]["model"].get<std::string>());
    m["text_config"]["vocab_size"] = 512;
    m["image_token_index"] = 3;
    io::make_dirs(s.out + "/" + name);
    io::write_json_file(s.out + "/" + name + "/config.json", m);
  }
  s.teacher_dir = s.out + "/teacher";
  s.student_dir = s.out + "/student";
  s.data_dir = s.out + "/data";
  s.seed = seed;
  const json& st = demo["models"]["student"]["trainer"];
  s.student_records = st["max_steps"].get<int64_t>() * st["batch_size"].get<int64_t>();
  return s;
}

}  // namespace

TEST(DemoBudget, TheDemoConfigsArmsGetEqualBackboneStepsAndRecords) {
  const json demo = io::read_json_file(std::string(VLSI_SOURCE_DIR) + "/configs/demo.json");
  DemoStudentSetup setup = demo_setup(demo, 3);
  DemoStudentPlan plan = plan_demo_students(demo["distill"], setup, "demo.json: distill");
  const int64_t n = demo["data"]["train"];

  const json vb = plan.vlsi_budget.to_json(n);
  const int64_t interact = plan.stages["interact"]["trainer"]["max_steps"];
  const int64_t reinforce = plan.stages["reinforce"]["trainer"]["max_steps"];
  EXPECT_EQ(vb["backbone_steps"], interact + reinforce);  // the student-verbalizer steps are not counted
  EXPECT_EQ(vb["verbalizer_steps"], plan.stages["verbalize_student"]["trainer"]["max_steps"]);
  EXPECT_EQ(vb["distinct_records"], (interact + reinforce) * 16);  // step 3 does not replay step 2's records
  EXPECT_EQ(plan.stages["reinforce"]["finetune"], "full");  // as the demo's full-FT interaction
  ASSERT_EQ(plan.baselines.size(), 2u);
  for (const auto& b : plan.baselines) {
    const json j = b.budget.to_json(n);
    EXPECT_EQ(j["backbone_steps"], vb["backbone_steps"]) << b.name;
    EXPECT_EQ(j["distinct_records"], vb["distinct_records"]) << b.name;
    EXPECT_EQ(j["verbalizer_steps"], 0) << b.name;
    // The same records as VLsI's backbone stages, after the base student's.
    EXPECT_EQ(b.cfg["data"]["record_offset"], plan.stages["interact"]["data"]["record_offset"]) << b.name;
    EXPECT_EQ(b.cfg["trainer"]["seed"], 3) << b.name;
  }
  // VLsI's stages start after the base student's records, in the base student's order (its seed).
  EXPECT_EQ(plan.stages["verbalize_teacher"]["data"]["record_offset"], setup.student_records);
  for (const char* stage : {"verbalize_teacher", "verbalize_student", "interact", "reinforce"})
    EXPECT_EQ(plan.stages[stage]["trainer"]["seed"], 3) << stage;
  std::vector<data::RecordRange> all = plan.vlsi_budget.backbone_reads;
  all.push_back({0, setup.student_records});
  EXPECT_EQ(data::distinct_records(all, n), setup.student_records + vb["distinct_records"].get<int64_t>());
}

TEST(DemoBudget, TheTableStatesEachArmsBudget) {
  auto arm = [](double params, json budget) {
    json m = {{"parameters", params}, {"overall", 0.5}, {"categories", {{"count", 0.5}}}, {"train_seconds", 10.0}};
    if (!budget.is_null()) m.update(budget);
    return m;
  };
  json summary = {{"models",
                   {{"teacher", arm(2e6, json())},  // a summary.json from before the budget rows
                    {"student-sft", arm(1e6, {{"backbone_steps", 240}, {"verbalizer_steps", 0}, {"distinct_records", 3840}})},
                    {"student-vlsi", arm(1e6, {{"backbone_steps", 240}, {"verbalizer_steps", 50}, {"distinct_records", 3840}})}}}};
  const std::string table = format_summary_table(summary);
  auto row = [&](const std::string& label) {
    auto at = table.find("\n" + label);
    EXPECT_NE(at, std::string::npos) << table;
    return table.substr(at + 1, table.find('\n', at + 1) - at - 1);
  };
  // Columns: teacher (largest first), then student-sft, student-vlsi.
  EXPECT_EQ(row("backbone steps"), "backbone steps            -          240          240");
  EXPECT_EQ(row("records"), "records                   -         3840         3840");
  EXPECT_EQ(row("verbalizer st."), "verbalizer st.            -            0           50");
}
