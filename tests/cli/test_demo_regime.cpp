// configs/regime.json at toy scale (issue 14's regime): the student starts from
// the teacher's trained vision tower and keeps it frozen, trains on the questions
// only (the teacher also saw the object lists), and its distillation reads the
// same question-only records. A few seconds of training in all.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "../train/sft_fixture.h"
#include "cli_runner.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/safetensors.h"

using namespace vlsi;
namespace fs = std::filesystem;

namespace {

std::string regime_command(const std::string& out) {
  std::string c = "demo --config " + std::string(VLSI_SOURCE_DIR) + "/configs/regime.json --out " + out +
                  " --set data.train=70 --set data.val=7 --set data.test=14";
  for (const char* m : {"teacher", "student"})
    c += std::string(" --set models.") + m + ".trainer.max_steps=2 --set models." + m + ".trainer.warmup_steps=0";
  for (const char* s : {"verbalize_teacher", "verbalize_student", "interact", "reinforce"})
    c += std::string(" --set distill.recipe.stages.") + s + ".trainer.warmup_steps=0 --set distill.recipe.stages." + s +
         ".trainer.batch_size=4";
  for (const char* s : {"verbalize_teacher", "verbalize_student", "interact"})
    c += std::string(" --set distill.recipe.stages.") + s + ".trainer.max_steps=2";
  return c;
}

size_t first_line_turns(const std::string& jsonl) {
  std::istringstream in(io::read_file(jsonl));
  std::string line;
  std::getline(in, line);
  return io::json::parse(line)["conversations"].size();
}

}  // namespace

TEST(CliDemoRegime, StudentSharesTheFrozenTowerAndReadsQuestionsOnly) {
  const std::string dir = test_support::fresh_dir("cli_demo_regime");
  auto r = test_support::run_cli(regime_command(dir));
  ASSERT_EQ(r.code, 0) << r.output;
  // The teacher trained first, though "student" sorts before it.
  EXPECT_LT(r.output.find("demo: teacher — SFT training"), r.output.find("demo: student — SFT training")) << r.output;
  EXPECT_EQ(first_line_turns(dir + "/data/train.jsonl"), 4u);  // question + object list
  EXPECT_EQ(first_line_turns(dir + "/data/train-questions.jsonl"), 2u);
  const io::json student_cfg = io::read_json_file(dir + "/student/config.json");
  EXPECT_EQ(student_cfg["data"]["train"], dir + "/data/train-questions.jsonl");
  EXPECT_EQ(student_cfg["model"]["vision_from"], dir + "/teacher/model");
  EXPECT_EQ(io::read_json_file(dir + "/teacher/config.json")["data"]["train"], dir + "/data/train.jsonl");
  const io::json recipe = io::read_json_file(dir + "/student-vlsi/config.json");
  EXPECT_EQ(recipe["data"]["train"], dir + "/data/train-questions.jsonl");

  const auto teacher = io::load_safetensors(dir + "/teacher/model/model.safetensors");
  size_t vision = 0;
  for (const char* arm : {"student", "student-sft", "student-kd", "student-vlsi"}) {
    const std::string folder = arm == std::string("student-vlsi")
                                   ? io::read_json_file(dir + "/student-vlsi/summary.json").value("student", "")
                                   : dir + "/" + arm + "/model";
    ASSERT_FALSE(folder.empty()) << r.output;
    for (const auto& [name, t] : io::load_safetensors(folder + "/model.safetensors")) {
      if (name.rfind("vision_tower.", 0) != 0) continue;
      ++vision;
      EXPECT_TRUE(torch::equal(t, teacher.at(name))) << arm << ": " << name;
    }
  }
  EXPECT_GT(vision, 0u);
  fs::remove_all(dir);
}

TEST(CliDemoRegime, VisionFromMustNameAnotherModel) {
  const std::string dir = test_support::fresh_dir("cli_demo_regime_bad");
  auto r = test_support::run_cli(regime_command(dir) + " --set models.student.vision_from=\\\"tutor\\\"");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("error: demo config: models.student.vision_from: 'tutor' is not another model of the demo"),
            std::string::npos)
      << r.output;
  fs::remove_all(dir);
}

TEST(CliDemoRegime, RefusesDataOfAnotherGeneratorVersion) {
  const std::string dir = test_support::fresh_dir("cli_demo_version");
  auto d = test_support::run_cli("data shapes --out " + dir + "/data --seed 0 --train 7 --val 7 --test 7 --grid 4");
  ASSERT_EQ(d.code, 0) << d.output;  // version 3, the default
  auto r = test_support::run_cli("demo --config " + std::string(VLSI_SOURCE_DIR) + "/configs/demo.json --out " + dir +
                                 " --set data.train=7 --set data.val=7 --set data.test=7");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("data/meta.json: data was generated with version = 3, the config asks for 2"),
            std::string::npos)
      << r.output;
  fs::remove_all(dir);
}
