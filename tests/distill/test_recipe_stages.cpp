// How the recipe lays out its stages: step 3's fine-tuning mode follows the
// interaction step's, and each stage reads its own range of training records.
#include <gtest/gtest.h>

#include "test_util.h"
#include "vlsi/data/record_range.h"
#include "vlsi/distill/recipe.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"

using namespace vlsi;
using namespace vlsi::distill;
using io::json;

namespace {

// Model folders holding only config.json: the recipe reads their layer counts, nothing else.
const std::string& models() {
  static const std::string dir = [] {
    std::string d = distill_support::temp_dir("recipe_stages");
    for (auto [name, layers] : {std::pair<const char*, int>{"teacher", 4}, {"student", 2}}) {
      json m = io::read_json_file(std::string(VLSI_SOURCE_DIR) + "/configs/models/student.json");
      m["text_config"]["num_hidden_layers"] = layers;
      m["text_config"]["vocab_size"] = 512;
      m["image_token_index"] = 3;
      io::make_dirs(d + "/" + name);
      io::write_json_file(d + "/" + name + "/config.json", m);
    }
    return d;
  }();
  return dir;
}

json trainer(int64_t steps, int64_t batch, int64_t accum = 1) {
  return {{"max_steps", steps}, {"batch_size", batch}, {"grad_accum", accum}};
}

json stages_recipe(const std::string& interact_finetune) {
  return {{"out", models() + "/never"},
          {"teacher", {{"model", models() + "/teacher"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}},
          {"student", {{"model", models() + "/student"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}},
          {"data", {{"train", "train.jsonl"}, {"record_offset", 100}}},
          {"stages",
           {{"verbalize_teacher", {{"trainer", trainer(10, 4)}}},
            {"verbalize_student", {{"trainer", trainer(5, 4)}}},
            {"interact", {{"finetune", interact_finetune}, {"trainer", trainer(12, 8, 2)}}},
            {"reinforce", {{"share", 0.5}, {"trainer", trainer(1, 16)}}}}}};
}

json stages_of(const json& content, const std::vector<std::string>& overrides = {}) {
  return distill_stage_configs(resolve_distill_config(content, overrides, "recipe.json"));
}

}  // namespace

TEST(RecipeStages, ReinforceFineTunesAsTheInteractionStepByDefault) {
  json full = stages_of(stages_recipe("full"));
  EXPECT_EQ(full["reinforce"]["finetune"], "full");  // the paper's full student SFT in step 3
  EXPECT_EQ(full["reinforce"]["student"]["model"], models() + "/never/interact/model");
  EXPECT_EQ(full["reinforce"]["student"]["adapter"], "");

  json lora = stages_of(stages_recipe("lora"));
  EXPECT_EQ(lora["reinforce"]["finetune"], "lora");  // continues the interaction step's adapter
  EXPECT_EQ(lora["reinforce"]["student"]["adapter"], models() + "/never/interact/adapter");

  // An explicit mode is an override, kept as given.
  EXPECT_EQ(stages_of(stages_recipe("full"), {"stages.reinforce.finetune=\"lora\""})["reinforce"]["finetune"], "lora");
  EXPECT_EQ(stages_of(stages_recipe("lora"), {"stages.reinforce.finetune=\"full\""})["reinforce"]["finetune"], "full");

  std::string e = distill_support::error_of([] { stages_of(stages_recipe("full"), {"stages.reinforce.finetune=\"qlora\""}); });
  EXPECT_TRUE(distill_support::one_line_error_with(e, "stages.reinforce: field 'finetune'")) << e;
}

TEST(RecipeStages, EachStageReadsTheRecordsAfterThePreviousOnes) {
  json s = stages_of(stages_recipe("full"));
  // Records read: teacher 10x4, student 5x4, interaction 12x2x8, reinforcement round(0.5 x 12) x 16.
  const std::vector<std::pair<const char*, int64_t>> expected = {
      {"verbalize_teacher", 100}, {"verbalize_student", 140}, {"interact", 160}, {"reinforce", 352}};
  std::vector<data::RecordRange> ranges;
  for (const auto& [stage, offset] : expected) {
    EXPECT_EQ(s[stage]["data"]["record_offset"], offset) << stage;
    const json& t = s[stage]["trainer"];
    ranges.push_back({offset, t["max_steps"].get<int64_t>() * t["batch_size"].get<int64_t>() * t["grad_accum"].get<int64_t>()});
  }
  EXPECT_EQ(ranges.back().count, 96);
  // On a dataset large enough for all of them, no record is read by two stages...
  EXPECT_EQ(data::distinct_records(ranges, 1000), 40 + 20 + 192 + 96);
  // ...and the base student's records (0..99 here) by none of them.
  ranges.push_back({0, 100});
  EXPECT_EQ(data::distinct_records(ranges, 1000), 100 + 40 + 20 + 192 + 96);

  // Prepared student verbalizers: no step 1 for the student, interaction follows the teacher's.
  json prepared = stages_recipe("full");
  prepared["student"]["verbalizers"] = models() + "/prepared";
  EXPECT_EQ(stages_of(prepared)["interact"]["data"]["record_offset"], 140);
}

TEST(RecipeStages, SharedStageDataReadsFromOneOffset) {
  json s = stages_of(stages_recipe("lora"), {"stage_data=\"shared\""});
  for (const char* stage : {"verbalize_teacher", "verbalize_student", "interact", "reinforce"})
    EXPECT_EQ(s[stage]["data"]["record_offset"], 100) << stage;
  std::string e = distill_support::error_of([] { stages_of(stages_recipe("lora"), {"stage_data=\"fresh\""}); });
  EXPECT_TRUE(distill_support::one_line_error_with(e, "stage_data")) << e;
}

TEST(RecipeStages, AStagesOwnDataFieldsReplaceTheRecipesForThatStageAlone) {
  // A transfer set: the interaction step reads records 2000.. (never trained on with labels);
  // the others keep the recipe's 2,000-record budget.
  json recipe = stages_recipe("full");
  recipe["data"]["train_records"] = 2000;
  recipe["stages"]["interact"]["data"] = {{"train_records_from", 2000}, {"train_records", 0}};
  json s = stages_of(recipe);
  EXPECT_EQ(s["interact"]["data"]["train_records_from"], 2000);
  EXPECT_EQ(s["interact"]["data"]["train_records"], 0);
  EXPECT_EQ(s["interact"]["data"]["train"], "train.jsonl");  // the rest from the recipe
  EXPECT_EQ(s["interact"]["data"]["record_offset"], 160);    // the stage_data rule still places it
  for (const char* stage : {"verbalize_teacher", "verbalize_student", "reinforce"}) {
    EXPECT_EQ(s[stage]["data"]["train_records"], 2000) << stage;
    EXPECT_EQ(s[stage]["data"]["train_records_from"], 0) << stage;
  }
  // An explicit record_offset wins over the rule.
  EXPECT_EQ(stages_of(recipe, {"stages.reinforce.data.record_offset=7"})["reinforce"]["data"]["record_offset"], 7);
  // Fields left null follow the recipe; a misspelt one is refused.
  EXPECT_EQ(stages_of(recipe)["interact"]["data"]["max_length"], 512);
  std::string e = distill_support::error_of([&] { stages_of(recipe, {"stages.interact.data.train_recs=5"}); });
  EXPECT_TRUE(distill_support::one_line_error_with(e, "stages.interact.data.train_recs")) << e;
  json misspelt = recipe;
  misspelt["stages"]["interact"]["data"]["train_recs"] = 5;
  e = distill_support::error_of([&] { stages_of(misspelt); });
  EXPECT_TRUE(distill_support::one_line_error_with(e, "stages.interact.data")) << e;
}
