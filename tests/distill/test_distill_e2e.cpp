// `vlsi distill` end to end on tiny models (the vlsi binary, $VLSI_BIN): every
// stage runs, verbalization losses fall, a run killed (-9) during the
// interaction step is refused without --resume and continues with it, the final
// student is a plain model folder with its verbalizers and layer pairing, RUN/teacher
// serves the teacher with its verbalizers, `vlsi lora merge` and
// `vlsi train interact` work from the command line.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "../cli/cli_runner.h"
#include "step_fixture.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/model/lora_model.h"

using namespace vlsi;
using io::json;
namespace fs = std::filesystem;

namespace {

// Mean of `key` over the first / last `n` train lines of a metrics.jsonl.
std::pair<double, double> first_last_mean(const std::string& path, const std::string& key, size_t n) {
  std::vector<double> v;
  std::istringstream in(io::read_file(path));
  for (std::string l; std::getline(in, l);) {
    auto j = json::parse(l);
    if (j.value("split", "") == "train" && j.contains(key)) v.push_back(j[key].get<double>());
  }
  if (v.size() < 2 * n) return {0, 0};
  double a = 0, b = 0;
  for (size_t i = 0; i < n; ++i) a += v[i], b += v[v.size() - 1 - i];
  return {a / double(n), b / double(n)};
}

json recipe(const std::string& dir) {
  json verbalize_trainer = test_support::fixture_trainer(16, 5e-2);
  json interact_trainer = test_support::fixture_trainer(24, 3e-3);
  interact_trainer["ckpt_every"] = 3;
  return {{"out", dir + "/run"},
          {"teacher", {{"model", dir + "/teacher"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}},
          {"student", {{"model", dir + "/student"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}},
          {"data", test_support::fixture_data(dir)},
          {"stages",
           {{"verbalize_teacher", {{"trainer", verbalize_trainer}}},
            {"verbalize_student", {{"trainer", verbalize_trainer}}},
            {"interact", {{"trainer", interact_trainer}}},
            {"reinforce", {{"share", 0.25}, {"trainer", test_support::fixture_trainer(1, 3e-3)}}}}}};
}

}  // namespace

TEST(DistillCli, WholeRecipeRunsAndResumesAfterKill) {
  std::string dir = test_support::fresh_dir("distill_e2e");
  test_support::make_distill_fixture(dir);
  io::write_json_file(dir + "/recipe.json", recipe(dir));

  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string bin = test_support::vlsi_bin(), conf = dir + "/recipe.json", log = dir + "/first.log";
    FILE* f = std::freopen(log.c_str(), "w", stderr);
    (void)f;
    ::execl(bin.c_str(), bin.c_str(), "distill", "--config", conf.c_str(), (char*)nullptr);
    ::_exit(127);
  }
  bool killed = false;
  for (int i = 0; i < 2400 && !killed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (fs::exists(dir + "/run/interact/checkpoints/step-00000003")) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(killed) << "no interaction checkpoint appeared: " << io::read_file(dir + "/first.log");
  ASSERT_FALSE(fs::exists(dir + "/run/interact/summary.json")) << "the step finished before it could be killed";
  EXPECT_TRUE(fs::exists(dir + "/run/verbalize_teacher/summary.json"));
  EXPECT_TRUE(fs::exists(dir + "/run/verbalize_student/summary.json"));

  auto again = test_support::run_cli("distill --config " + dir + "/recipe.json");
  EXPECT_EQ(again.code, 1) << again.output;
  EXPECT_NE(again.output.find("--resume"), std::string::npos) << again.output;

  auto resumed = test_support::run_cli("distill --config " + dir + "/recipe.json --resume");
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("verbalize_teacher is complete"), std::string::npos) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed from checkpoint"), std::string::npos) << resumed.output;
  auto summary = io::read_json_file(dir + "/run/summary.json");
  EXPECT_GE(summary["stages"]["interact"]["resumed_from"].get<int64_t>(), 3);
  EXPECT_EQ(summary["stages"]["reinforce"]["steps"], 6);  // 25% of 24
  EXPECT_EQ(summary["student_target_layers"], json({0, 1}));
  EXPECT_EQ(summary["teacher_target_layers"], json({0, 1, 2, 3}));

  // Verbalization losses fell for both models.
  for (const char* side : {"verbalize_teacher", "verbalize_student"}) {
    auto [first, last] = first_last_mean(dir + "/run/" + side + "/metrics.jsonl", "ce_layer_0", 3);
    EXPECT_LT(last, first - 0.1) << side;
  }
  // Figure-5 material: both lists and the match counts (one match per student target per step).
  auto info = io::read_json_file(dir + "/run/interact/interact.json");
  EXPECT_EQ(info["teacher_target_layers"], json({0, 1, 2, 3}));
  int64_t matches = 0;
  for (auto& c : info["match_counts"][1]) matches += c.get<int64_t>();
  EXPECT_EQ(matches, 24);  // each step once: the records of steps replayed after the kill are dropped

  // The final student: a plain model folder with verbalizers beside it.
  auto student = model::load_model(dir + "/run/student");
  EXPECT_FALSE(model::has_lora(student));
  EXPECT_TRUE(fs::exists(dir + "/run/student/verbalizers.safetensors"));
  EXPECT_TRUE(fs::exists(dir + "/run/student/tokenizer.json"));

  // What the run leaves for serving (distill/served_folders.h): the matched-layer
  // pairing beside the student, and RUN/teacher: the teacher's files linked, its
  // step-1 verbalizers copied, so verbalize/serve --teacher RUN/teacher work.
  auto pairing = io::read_json_file(dir + "/run/student/layer_pairing.json");
  EXPECT_EQ(pairing["match_counts"], info["match_counts"]);
  ASSERT_EQ(pairing["matched"].size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto& row = info["match_counts"][i];
    const auto most = std::max_element(row.begin(), row.end(), [](const json& a, const json& b) { return a < b; });
    EXPECT_EQ(pairing["matched"][i], info["teacher_target_layers"][size_t(most - row.begin())]) << i;
  }
  EXPECT_EQ(summary["teacher"], dir + "/run/teacher");
  EXPECT_TRUE(fs::is_symlink(dir + "/run/teacher/config.json"));
  EXPECT_TRUE(fs::is_symlink(dir + "/run/teacher/model.safetensors"));
  EXPECT_EQ(io::read_file(dir + "/run/teacher/verbalizers.safetensors"),
            io::read_file(dir + "/run/verbalize_teacher/verbalizers/verbalizers.safetensors"));
  auto side = test_support::run_cli("verbalize --model " + dir + "/run/student --teacher " + dir +
                                    "/run/teacher --prompt 'What shape?' --max-new-tokens 3 --threads 1 --json");
  ASSERT_EQ(side.code, 0) << side.output;
  auto layers = json::parse(side.output);
  EXPECT_EQ(layers["student"]["layers"].size(), 3u);  // targets 0, 1 and the final layer
  EXPECT_EQ(layers["teacher"]["layers"].size(), 5u);  // targets 0..3 and the final layer

  // Rerunning a finished recipe does nothing.
  auto done = test_support::run_cli("distill --config " + dir + "/recipe.json");
  EXPECT_EQ(done.code, 0) << done.output;
  EXPECT_NE(done.output.find("is complete"), std::string::npos);

  // lora merge from the command line equals the recipe's merged interaction model.
  auto merge = test_support::run_cli("lora merge --model " + dir + "/student --adapter " + dir +
                                     "/run/interact/adapter --out " + dir + "/merged");
  ASSERT_EQ(merge.code, 0) << merge.output;
  EXPECT_TRUE(fs::exists(dir + "/merged/verbalizers.json"));
  auto a = io::load_safetensors(dir + "/merged/model.safetensors");
  auto b = io::load_safetensors(dir + "/run/interact/model/model.safetensors");
  for (auto& [name, t] : a) EXPECT_TRUE(torch::allclose(t, b.at(name), 1e-6, 1e-6)) << name;
  io::remove_tree(dir);  // POSIX: std::filesystem::remove_all crashes with PyTorch 2.x binaries
}

TEST(DistillCli, SingleStepsFromTheCommandLine) {
  std::string dir = test_support::fresh_dir("distill_steps_cli");
  test_support::make_distill_fixture(dir, 32);
  std::string common = " --set data.train='\"" + dir + "/data/train.jsonl\"' --set trainer.max_steps=2" +
                       " --set trainer.batch_size=4 --set trainer.threads=1";
  auto pc = test_support::run_cli("train interact --print-config --set loss.last_op=none");
  ASSERT_EQ(pc.code, 0) << pc.output;
  EXPECT_EQ(json::parse(pc.output)["loss"]["last_op"], "none");
  auto v = test_support::run_cli("train verbalize --out " + dir + "/v --set model='\"" + dir +
                                 "/teacher\"' --set target_layers.start=0 --set target_layers.stride=2" + common);
  ASSERT_EQ(v.code, 0) << v.output;
  EXPECT_EQ(io::read_json_file(dir + "/v/verbalizers/verbalizers.json")["target_layers"], json({0, 2}));
  auto kd = test_support::run_cli("train kd --out " + dir + "/kd --set student.model='\"" + dir +
                                  "/student\"' --set teacher.model='\"" + dir + "/teacher\"'" + common);
  ASSERT_EQ(kd.code, 0) << kd.output;
  EXPECT_TRUE(fs::exists(dir + "/kd/adapter/adapter_model.safetensors"));
  EXPECT_TRUE(fs::exists(dir + "/kd/model/config.json"));
  auto sft = test_support::run_cli("train sft --out " + dir + "/r --set student.model='\"" + dir + "/student\"'" + common);
  EXPECT_EQ(sft.code, 1);  // `train sft` is the plain SFT command with its own config
  auto r = test_support::run_cli("train reinforce --out " + dir + "/r --set student.model='\"" + dir + "/student\"'" +
                                 " --set finetune=full" + common);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_FALSE(fs::exists(dir + "/r/adapter"));
  auto i = test_support::run_cli("train interact --out " + dir + "/i --set student.model='\"" + dir +
                                 "/student\"' --set teacher.model='\"" + dir + "/teacher\"'" + common);
  EXPECT_EQ(i.code, 1);  // no verbalizers yet
  EXPECT_NE(i.output.find("verbalize"), std::string::npos) << i.output;
  io::remove_tree(dir);  // POSIX: std::filesystem::remove_all crashes with PyTorch 2.x binaries
}
