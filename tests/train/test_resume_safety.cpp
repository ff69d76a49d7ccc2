// Resuming a run folder safely (issue 16): a damaged newest checkpoint gives way
// to the previous one with a warning naming it; damage with no fallback is one
// error naming the file; a checkpoint beyond the run's steps is refused; a
// changed config is refused naming the fields (--force continues); the metrics
// log keeps each step once and the summary equals the uninterrupted run's.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "sft_fixture.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/train/checkpoint_manifest.h"
#include "vlsi/train/config_change.h"
#include "vlsi/train/run_data.h"
#include "vlsi/train/sft_run.h"

using namespace vlsi;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kResumeSteps = 12;  // checkpoints at 5, 10, 12 (sft_config: ckpt_every 5)

io::json config_for(const std::string& dir, const std::string& out, const std::vector<std::string>& overrides = {}) {
  return train::resolve_sft_config(test_support::sft_config(dir, out, kResumeSteps), overrides, "test");
}

// One uninterrupted reference run shared by the tests of this file.
struct Reference {
  std::string dir;
  io::json summary;
};

const Reference& reference() {
  static Reference r = [] {
    Reference ref;
    ref.dir = test_support::fresh_dir("resume_safety");
    test_support::make_sft_fixture(ref.dir, 48);
    ref.summary = train::run_sft(config_for(ref.dir, ref.dir + "/full"), false);
    return ref;
  }();
  return r;
}

// A run folder as a run killed after its step-`steps` checkpoints left it.
std::string cut_run(const std::string& name, const std::vector<int64_t>& steps, bool with_metrics = false) {
  const auto& ref = reference();
  std::string cut = ref.dir + "/" + name;
  io::remove_tree(cut);
  fs::create_directories(cut + "/checkpoints");
  fs::copy(ref.dir + "/full/config.json", cut + "/config.json");
  if (with_metrics) fs::copy(ref.dir + "/full/metrics.jsonl", cut + "/metrics.jsonl");
  for (int64_t s : steps) {
    char n[32];
    std::snprintf(n, sizeof(n), "/checkpoints/step-%08lld", static_cast<long long>(s));
    fs::copy(ref.dir + "/full" + n, cut + n, fs::copy_options::recursive);
  }
  return cut;
}

std::string run_error(const io::json& cfg, bool force = false) {
  try {
    train::run_sft(cfg, true, force);
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

void flip_byte(const std::string& path, size_t at) {
  std::string bytes = io::read_file(path);
  bytes[at % bytes.size()] ^= 0x20;
  io::write_file_atomic(path, bytes);
}

std::vector<io::json> train_records(const std::string& metrics) {
  std::vector<io::json> out;
  std::ifstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    auto j = io::json::parse(line);
    if (j["split"] == "train") out.push_back(j);
  }
  return out;
}

}  // namespace

TEST(ResumeSafety, DamagedNewestCheckpointFallsBackToThePrevious) {
  const auto& ref = reference();
  // Metrics copied up to step 12: a resume from 5 must drop the records of 6..12.
  std::string cut = cut_run("fallback", {5, 10}, /*with_metrics=*/true);
  flip_byte(cut + "/checkpoints/step-00000010/optimizer.pt", 1000);

  testing::internal::CaptureStderr();
  auto s = train::run_sft(config_for(ref.dir, cut), true);
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(s["resumed_from"], 5);
  EXPECT_NE(log.find("warning: checkpoint " + cut + "/checkpoints/step-00000010 is unusable"), std::string::npos) << log;
  EXPECT_NE(log.find("optimizer.pt: checksum"), std::string::npos) << log;

  auto a = io::load_safetensors(ref.dir + "/full/model/model.safetensors");
  auto b = io::load_safetensors(cut + "/model/model.safetensors");
  ASSERT_EQ(a.size(), b.size());
  for (auto& [name, t] : a) EXPECT_TRUE(torch::equal(t, b.at(name))) << name;

  // Each step logged once, with the uninterrupted run's losses; the same summary.
  auto full = train_records(ref.dir + "/full/metrics.jsonl"), resumed = train_records(cut + "/metrics.jsonl");
  ASSERT_EQ(resumed.size(), size_t(kResumeSteps));
  for (int64_t i = 0; i < kResumeSteps; ++i) {
    EXPECT_EQ(resumed[i]["step"], i + 1);
    EXPECT_EQ(resumed[i]["loss"].get<double>(), full[i]["loss"].get<double>()) << "step " << i + 1;
  }
  EXPECT_EQ(s["final_train_loss"].get<double>(), ref.summary["final_train_loss"].get<double>());
  EXPECT_EQ(s["final_val_loss"].get<double>(), ref.summary["final_val_loss"].get<double>());
  EXPECT_FALSE(fs::exists(cut + "/checkpoints/.tmp-step-00000010"));
}

TEST(ResumeSafety, DamageWithoutFallbackIsOneErrorNamingTheFile) {
  const auto& ref = reference();
  struct Case {
    std::function<void(const std::string&)> damage;
    std::string file, why;
  };
  std::vector<Case> cases = {
      {[](const std::string& c) { io::write_file_atomic(c + "/model/model.safetensors", "short"); },
       "model/model.safetensors", "bytes, the manifest lists"},
      {[](const std::string& c) { io::write_file_atomic(c + "/trainer_state.json", "{\"step\": 5, \"da"); },
       "trainer_state.json", "the manifest lists"},
      {[](const std::string& c) { io::remove_tree(c + "/rng.pt"); }, "rng.pt", "missing"},
      {[](const std::string& c) { flip_byte(c + "/model/model.safetensors", 40); }, "model/model.safetensors",
       "checksum"},
      {[](const std::string& c) { io::remove_tree(c + "/manifest.json"); }, "manifest.json", "missing"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string cut = cut_run("damaged" + std::to_string(i), {5});
    std::string ckpt = cut + "/checkpoints/step-00000005";
    cases[i].damage(ckpt);
    std::string err = run_error(config_for(ref.dir, cut));
    EXPECT_NE(err.find("no usable checkpoint"), std::string::npos) << i << ": " << err;
    EXPECT_NE(err.find(ckpt + "/" + cases[i].file), std::string::npos) << i << ": " << err;
    EXPECT_NE(err.find(cases[i].why), std::string::npos) << i << ": " << err;
    EXPECT_EQ(err.find('\n'), std::string::npos) << i;
    EXPECT_FALSE(fs::exists(cut + "/summary.json")) << i;
  }
}

TEST(ResumeSafety, CheckpointBeyondTheRunsStepsIsRefused) {
  const auto& ref = reference();
  // A checkpoint claiming step 10^12, consistently sealed (so only the step is wrong).
  std::string cut = cut_run("huge_step", {5});
  std::string ckpt = cut + "/checkpoints/step-00000005";
  auto state = io::read_json_file(ckpt + "/trainer_state.json");
  state["step"] = int64_t(1000000000000);
  io::write_json_file(ckpt + "/trainer_state.json", state);
  train::write_checkpoint_manifest(ckpt, 5);
  std::string err = run_error(config_for(ref.dir, cut));
  EXPECT_NE(err.find("trainer_state.json: field 'step' is 1000000000000 but the folder is step 5"),
            std::string::npos) << err;
  EXPECT_FALSE(fs::exists(cut + "/summary.json"));

  // The same checkpoint under a folder name past max_steps.
  state["step"] = 99;
  io::write_json_file(ckpt + "/trainer_state.json", state);
  train::write_checkpoint_manifest(ckpt, 99);
  fs::rename(ckpt, cut + "/checkpoints/step-00000099");
  err = run_error(config_for(ref.dir, cut));
  EXPECT_NE(err.find("step 99 is outside this run's 1..12 (trainer.max_steps)"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(cut + "/summary.json"));
}

TEST(ResumeSafety, ChangedConfigIsRefusedNamingTheFields) {
  const auto& ref = reference();
  std::string cut = cut_run("changed", {5});
  const std::vector<std::pair<std::string, std::string>> changes = {
      {"trainer.lr=0.001", "trainer.lr (0.003 -> 0.001)"},
      {"trainer.seed=8", "trainer.seed (7 -> 8)"},
      {"trainer.max_steps=20", "trainer.max_steps (12 -> 20)"},
      {"trainer.batch_size=4", "trainer.batch_size (8 -> 4)"},
      {"data.train=\"" + ref.dir + "/data/val.jsonl\"", "data.train (\""},
  };
  for (const auto& [set, names] : changes) {
    std::string err = run_error(config_for(ref.dir, cut, {set}));
    EXPECT_NE(err.find(cut + "/config.json: the run was started with another config; changed: " + names),
              std::string::npos) << set << ": " << err;
    EXPECT_NE(err.find("--force"), std::string::npos) << err;
  }
  // Two at once are both named.
  std::string err = run_error(config_for(ref.dir, cut, {"trainer.lr=0.001", "trainer.warmup_steps=3"}));
  EXPECT_NE(err.find("trainer.lr (0.003 -> 0.001), trainer.warmup_steps (2 -> 3)"), std::string::npos) << err;

  // --force continues with the new config and records it.
  testing::internal::CaptureStderr();
  auto s = train::run_sft(config_for(ref.dir, cut, {"trainer.lr=0.001"}), true, /*force=*/true);
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(s["resumed_from"], 5);
  EXPECT_NE(log.find("warning: --force: continuing the run with a changed config: trainer.lr"), std::string::npos)
      << log;
  EXPECT_EQ(io::read_json_file(cut + "/config.json")["trainer"]["lr"], 0.001);
}

TEST(ConfigChange, ExemptsOnlyFieldsThatDoNotChangeTheTraining) {
  io::json a = {{"out", "runs/a"},
                {"trainer", {{"lr", 1e-3}, {"log_every", 10}, {"threads", 0}, {"ckpt_every", 100}, {"max_steps", 3}}},
                {"data", {{"train", "t.jsonl"}, {"prefetch", 4}}},
                {"stages", {{"interact", {{"trainer", {{"lr", 1e-4}, {"keep_checkpoints", 2}}}}}}}};
  io::json b = a;
  b["out"] = "/elsewhere/a";
  b["trainer"]["log_every"] = 1;
  b["trainer"]["threads"] = 2;
  b["trainer"]["ckpt_every"] = 5;
  b["trainer"]["max_steps"] = 3.0;  // the same number
  b["data"]["prefetch"] = 0;
  b["stages"]["interact"]["trainer"]["keep_checkpoints"] = 5;
  EXPECT_TRUE(train::changed_config_fields(a, b).empty());
  b["stages"]["interact"]["trainer"]["lr"] = 2e-4;
  b["data"]["images"] = "img";
  auto changed = train::changed_config_fields(a, b);
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0], "data.images (absent -> \"img\")");
  EXPECT_EQ(changed[1], "stages.interact.trainer.lr (0.0001 -> 0.0002)");
}

TEST(ConfigChange, AFieldAddedSinceTheRunStartedCountsOnlyAwayFromItsOldBehaviour) {
  io::json a = {{"data", {{"train", "t.jsonl"}}}, {"stages", {{"interact", {{"data", {{"train", "t.jsonl"}}}}}}}};
  io::json b = a;
  b["data"]["train_records"] = 0;  // what a run started before data.train_records existed did
  b["stages"]["interact"]["data"]["train_records"] = 0;
  EXPECT_TRUE(train::changed_config_fields(a, b).empty());
  // A distill recipe's per-stage data block, all null, is what a recipe without one did.
  io::json recipe_then = {{"stages", {{"reinforce", {{"share", 1.0}}}}}};
  io::json recipe_now = recipe_then;
  recipe_now["stages"]["reinforce"]["data"] = train::stage_data_defaults();
  EXPECT_TRUE(train::changed_config_fields(recipe_then, recipe_now).empty());
  recipe_now["stages"]["reinforce"]["data"]["train_records"] = 5;
  EXPECT_EQ(train::changed_config_fields(recipe_then, recipe_now).size(), 1u);
  b["stages"]["interact"]["data"]["train_records"] = 2000;
  auto changed = train::changed_config_fields(a, b);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0], "stages.interact.data.train_records (absent -> 2000)");
  // Present in both: an ordinary field.
  a["data"]["train_records"] = 2000;
  EXPECT_EQ(train::changed_config_fields(a, b).size(), 2u);
}

TEST(ConfigChange, NamesFromAConfigsTextIgnoreLaterFieldsAtTheirOldBehaviour) {
  io::json old = {{"data", {{"train", "t.jsonl"}}}, {"trainer", {{"lr", 1e-3}}}};
  io::json now = old;
  now["data"]["train_records"] = 0;
  EXPECT_EQ(train::without_later_fields_at_old_behaviour(now).dump(), old.dump());
  now["data"]["train_records"] = 2000;
  EXPECT_EQ(train::without_later_fields_at_old_behaviour(now), now);
}
