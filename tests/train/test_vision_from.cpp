// model.vision_from: a fresh student starts from a trained model's vision tower
// (issue 14: the student reuses the teacher's ViT, frozen, with its own projector).
#include <gtest/gtest.h>

#include "sft_fixture.h"
#include "vlsi/io/error.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/train/sft_run.h"

using namespace vlsi;

namespace {

// The fixture's SFT config without warm-up, so a run may be a single step.
io::json short_sft(const std::string& dir, const std::string& out, int64_t steps) {
  io::json c = test_support::sft_config(dir, out, steps);
  c["trainer"]["warmup_steps"] = 0;
  return c;
}

bool is_vision_tensor(const std::string& name) { return name.find("vision_tower.") != std::string::npos; }

std::string vision_from_error(const io::json& cfg) {
  try {
    train::run_sft(train::resolve_sft_config(cfg, {}, "test"), false);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(SftVisionFrom, CopiesTheTrainedTowerAndKeepsItFrozen) {
  const std::string dir = test_support::fresh_dir("vision_from");
  test_support::make_sft_fixture(dir, 48);
  // The "teacher": every part trained for a few steps.
  train::run_sft(train::resolve_sft_config(short_sft(dir, dir + "/teacher", 4), {}, "test"), false);
  // The "student": another seed, the teacher's vision tower, everything but vision trainable.
  io::json s = short_sft(dir, dir + "/student", 4);
  s["model"]["seed"] = 99;
  s["model"]["vision_from"] = dir + "/teacher/model";
  s["trainable"] = {"projector", "lm", "embeddings", "head"};
  train::run_sft(train::resolve_sft_config(s, {}, "test"), false);

  const auto teacher = io::load_safetensors(dir + "/teacher/model/model.safetensors");
  const auto student = io::load_safetensors(dir + "/student/model/model.safetensors");
  size_t vision = 0, differing_other = 0;
  for (const auto& [name, t] : student) {
    if (is_vision_tensor(name)) {
      ++vision;
      EXPECT_TRUE(torch::equal(t, teacher.at(name))) << name << " is not the teacher's (or it trained)";
    } else if (!torch::equal(t, teacher.at(name))) {
      ++differing_other;
    }
  }
  EXPECT_GT(vision, 4u);
  EXPECT_GT(differing_other, 4u);  // the projector and LM are the student's own

  // Without vision_from the same seed draws another tower.
  io::json fresh = s;
  fresh["out"] = dir + "/fresh";
  fresh["model"]["vision_from"] = "";
  fresh["trainer"]["max_steps"] = 1;
  train::run_sft(train::resolve_sft_config(fresh, {}, "test"), false);
  const auto own = io::load_safetensors(dir + "/fresh/model/model.safetensors");
  for (const auto& [name, t] : own)
    if (is_vision_tensor(name) && name.find("weight") != std::string::npos && t.dim() == 2)
      EXPECT_FALSE(torch::equal(t, teacher.at(name))) << name;
  std::filesystem::remove_all(dir);
}

TEST(SftVisionFrom, MismatchedTowersAndMisuseFailInOneLine) {
  const std::string dir = test_support::fresh_dir("vision_from_bad");
  test_support::make_sft_fixture(dir, 16);
  train::run_sft(train::resolve_sft_config(short_sft(dir, dir + "/teacher", 1), {}, "test"), false);

  io::json wide = io::read_json_file(dir + "/model.json");
  wide["vision_config"]["intermediate_size"] = 96;
  io::write_json_file(dir + "/wide.json", wide);
  io::json s = short_sft(dir, dir + "/student", 1);
  s["model"]["init"] = dir + "/wide.json";
  s["model"]["vision_from"] = dir + "/teacher/model";
  std::string e = vision_from_error(s);
  EXPECT_NE(e.find("model.vision_from " + dir + "/teacher/model: vision parameter"), std::string::npos) << e;
  EXPECT_NE(e.find("the vision configs must match"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;

  s["model"]["init"] = dir + "/model.json";
  s["model"]["vision_from"] = dir + "/nowhere";
  e = vision_from_error(s);
  EXPECT_NE(e.find("field 'model.vision_from': " + dir + "/nowhere is not a model folder"), std::string::npos) << e;

  s["model"] = {{"from", dir + "/teacher/model"}, {"vision_from", dir + "/teacher/model"}};
  e = vision_from_error(s);
  EXPECT_NE(e.find("only for a fresh model"), std::string::npos) << e;
  std::filesystem::remove_all(dir);
}
