// The VLsI steps in bfloat16 (`dtype`): the interaction loss of one batch
// against float32's from the same weights, the whole recipe storing a bfloat16
// student, and the field's validation and propagation to every stage.
//
// Tolerance: relative 1e-2 per loss term, as for SFT (tests/train/test_bf16.cpp):
// bfloat16 rounds each weight and activation by up to 2^-9 (0.2%); the
// divergences and the cross-entropy themselves are computed from float32 logits.
#include <gtest/gtest.h>

#include <cmath>

#include "step_fixture.h"
#include "test_util.h"
#include "vlsi/distill/recipe.h"
#include "vlsi/distill/step_config.h"
#include "vlsi/distill/student_step_task.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/safetensors_sharded.h"
#include "vlsi/model/registry.h"
#include "vlsi/train/run_data.h"

using namespace vlsi;
using namespace vlsi::distill;
using io::json;

namespace {

constexpr double kLossTolerance = 1e-2;  // relative; see the top of the file

const std::string& bf16_fixture() {
  static const std::string dir = [] {
    auto d = test_support::fresh_dir("distill_bf16");
    test_support::make_distill_fixture(d);
    return d;
  }();
  return dir;
}

// A model folder of the fixture in `dtype` with fresh verbalizers (drawn in float32, then rounded).
VerbalizedModel bf16_side(const std::string& name, std::vector<int64_t> layers, uint64_t seed,
                          torch::ScalarType dtype) {
  VerbalizedModel m;
  m.model_dir = bf16_fixture() + "/" + name;
  model::LoadOptions lo;
  lo.dtype = dtype;
  m.model = model::load_model(m.model_dir, lo);
  VerbalizerOptions vo;
  vo.zero_init_down = false;  // not the logit lens: the verb-FFN path counts too
  m.verbalizers = VerbalizerSet(layers, m.model->config().text_config.hidden_size, output_head_of(m.model), vo, seed);
  m.verbalizers->to(dtype);
  return m;
}

void expect_folder_stored_as(const std::string& folder, torch::ScalarType dtype) {
  io::CheckpointReader reader(folder);
  for (const auto& name : reader.names()) EXPECT_EQ(reader.entry(name).scalar_type, dtype) << folder << " " << name;
}

}  // namespace

TEST(Bf16Steps, InteractLossOfOneBatchMatchesFloat32) {
  auto tok = text::Tokenizer::from_file(bf16_fixture() + "/tokenizer.json");
  auto tc = train::TrainerConfig::from_json(test_support::fixture_trainer(1), "trainer");
  auto data_cfg = io::merge_with_defaults(train::data_defaults(), test_support::fixture_data(bf16_fixture()), "data");
  const std::string student = bf16_fixture() + "/student";
  train::RunData data(data_cfg, tok, model::load_processor(student, model::load_model_config(student)), tc, "data");
  auto batch = data.stream().next();

  StudentStepOptions o;                             // interact: KL on matched layers and on the last layer
  o.matching.strategy = MatchingStrategy::Uniform;  // the same pairs for both dtypes
  o.ce_weight = 1.0;                                // and the answer cross-entropy
  std::map<std::string, double> f32, bf16;
  for (auto dtype : {torch::kFloat, torch::kBFloat16}) {
    StudentStepTask task(bf16_side("student", {0, 1}, 2, dtype), bf16_side("teacher", {0, 1, 2, 3}, 1, dtype), o);
    auto params = task.trainable_parameters();
    task.set_training(true);
    auto out = task.compute_loss(batch);
    EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
    out.loss.backward();
    for (const auto& p : params) {
      ASSERT_TRUE(p.grad().defined());
      EXPECT_EQ(p.grad().scalar_type(), dtype);
    }
    auto& into = dtype == torch::kFloat ? f32 : bf16;
    into = out.metrics;
    into["loss"] = out.loss.item<double>();
  }
  for (const char* key : {"loss", "loss_intermediate", "loss_last", "loss_ce", "kl_layer_0", "kl_layer_1"}) {
    ASSERT_TRUE(f32.count(key) && bf16.count(key)) << key;
    const double rel = std::abs(bf16[key] - f32[key]) / std::abs(f32[key]);
    std::printf("[bf16] interact %-17s float32 %.6f bfloat16 %.6f relative %.2e\n", key, f32[key], bf16[key], rel);
    EXPECT_LT(rel, kLossTolerance) << key << ": " << f32[key] << " vs " << bf16[key];
  }
}

TEST(Bf16Steps, RecipeInBfloat16StoresABfloat16Student) {
  const std::string dir = bf16_fixture(), out = test_support::fresh_dir("distill_bf16_run");
  json recipe = {{"out", out},
                 {"dtype", "bfloat16"},
                 {"teacher", {{"model", dir + "/teacher"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}},
                 {"student", {{"model", dir + "/student"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}},
                 {"data", test_support::fixture_data(dir)},
                 {"stages",
                  {{"verbalize_teacher", {{"trainer", test_support::fixture_trainer(3, 5e-2)}}},
                   {"verbalize_student", {{"trainer", test_support::fixture_trainer(3, 5e-2)}}},
                   {"interact", {{"trainer", test_support::fixture_trainer(4, 3e-3)}}},
                   {"reinforce", {{"share", 0.5}}}}}};
  auto cfg = resolve_distill_config(recipe, {}, "recipe");
  auto stages = distill_stage_configs(cfg);
  for (const auto& [name, stage] : stages.items()) EXPECT_EQ(stage["dtype"], "bfloat16") << name;
  auto summary = run_distill(cfg, false);
  for (const char* stage : {"verbalize_teacher", "verbalize_student", "interact", "reinforce"})
    EXPECT_TRUE(std::isfinite(summary["stages"][stage]["final_train_loss"].get<double>())) << stage;

  EXPECT_EQ(io::read_json_file(out + "/student/config.json")["dtype"], "bfloat16");
  expect_folder_stored_as(out + "/student", torch::kBFloat16);
  EXPECT_EQ(io::read_json_file(out + "/interact/model/config.json")["dtype"], "bfloat16");
  EXPECT_EQ(io::CheckpointReader(out + "/interact/model").entry("multi_modal_projector.linear_1.weight").scalar_type,
            torch::kBFloat16);
  auto verbalizers = io::load_safetensors(out + "/student/" + kVerbalizerWeightsFile);
  for (const auto& [name, t] : verbalizers) EXPECT_EQ(t.scalar_type(), torch::kBFloat16) << name;
  // The student loads in its own dtype by default.
  EXPECT_EQ(model::load_model(out + "/student")->lm_head_weight().scalar_type(), torch::kBFloat16);
  io::remove_tree(out);
}

TEST(Bf16Steps, DtypeFieldIsValidatedWithItsName) {
  std::string e =
      distill_support::error_of([] { resolve_step_config("interact", json::object(), {"dtype=\"half\""}, "i.json"); });
  EXPECT_NE(e.find("i.json: field 'dtype': expected \"float32\" or \"bfloat16\", got \"half\""), std::string::npos)
      << e;
  e = distill_support::error_of(
      [] { resolve_step_config("verbalize", json::object(), {"dtype=\"float16\""}, "v.json"); });
  EXPECT_NE(e.find("v.json: field 'dtype'"), std::string::npos) << e;
  e = distill_support::error_of([] { resolve_distill_config(json::object(), {"dtype=\"fp8\""}, "d.json"); });
  EXPECT_NE(e.find("d.json: field 'dtype'"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  EXPECT_EQ(step_defaults("kd")["dtype"], "float32");
  EXPECT_EQ(distill_defaults()["dtype"], "float32");
}

TEST(Bf16Steps, Bfloat16TeacherBesideAFloat32Student) {
  auto tok = text::Tokenizer::from_file(bf16_fixture() + "/tokenizer.json");
  auto tc = train::TrainerConfig::from_json(test_support::fixture_trainer(1), "trainer");
  auto data_cfg = io::merge_with_defaults(train::data_defaults(), test_support::fixture_data(bf16_fixture()), "data");
  const std::string student = bf16_fixture() + "/student";
  train::RunData data(data_cfg, tok, model::load_processor(student, model::load_model_config(student)), tc, "data");
  auto batch = data.stream().next();
  StudentStepOptions o;
  o.matching.strategy = MatchingStrategy::Uniform;
  std::map<torch::ScalarType, double> loss;
  for (auto teacher_dtype : {torch::kFloat, torch::kBFloat16}) {
    StudentStepTask task(bf16_side("student", {0, 1}, 2, torch::kFloat), bf16_side("teacher", {0, 1, 2, 3}, 1, teacher_dtype),
                         o);
    auto params = task.trainable_parameters();
    task.set_training(true);
    auto out = task.compute_loss(batch);
    out.loss.backward();
    for (const auto& p : params) EXPECT_EQ(p.grad().scalar_type(), torch::kFloat);
    loss[teacher_dtype] = out.loss.item<double>();
  }
  EXPECT_LT(std::abs(loss[torch::kBFloat16] - loss[torch::kFloat]) / loss[torch::kFloat], kLossTolerance);
}

TEST(Bf16Steps, SideDeviceAndDtypeReachTheStages) {
  const std::string dir = bf16_fixture();
  json recipe = {{"out", dir + "/sides"},
                 {"teacher", {{"model", dir + "/teacher"}, {"target_layers", {{"start", 0}, {"stride", 1}}},
                              {"dtype", "bfloat16"}, {"device", "cpu"}}},
                 {"student", {{"model", dir + "/student"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}},
                 {"data", test_support::fixture_data(dir)}};
  auto stages = distill_stage_configs(resolve_distill_config(recipe, {}, "recipe"));
  EXPECT_EQ(stages["verbalize_teacher"]["dtype"], "bfloat16");
  EXPECT_EQ(stages["verbalize_teacher"]["device"], "cpu");
  EXPECT_EQ(stages["verbalize_student"]["dtype"], "float32");
  EXPECT_EQ(stages["interact"]["teacher"]["dtype"], "bfloat16");
  EXPECT_EQ(stages["interact"]["teacher"]["device"], "cpu");
  EXPECT_EQ(stages["interact"]["student"]["device"], "");
  EXPECT_EQ(side_dtype(stages["interact"], "teacher", "i"), torch::kBFloat16);
  EXPECT_EQ(side_dtype(stages["interact"], "student", "i"), torch::kFloat);
  std::string e = distill_support::error_of([&] {
    auto cfg = resolve_step_config("interact", json::object(), {"teacher.dtype=\"half\""}, "i.json");
    validate_step_run_config("interact", cfg, "i.json");
  });
  EXPECT_NE(e.find("i.json: field 'teacher.dtype'"), std::string::npos) << e;
  e = distill_support::error_of([&] {
    auto cfg = resolve_step_config("interact", json::object(), {"student.device=\"tpu\""}, "i.json");
    validate_step_run_config("interact", cfg, "i.json");
  });
  EXPECT_NE(e.find("i.json: field 'student.device': expected cpu, cuda or cuda:N, got 'tpu'"), std::string::npos) << e;
}
