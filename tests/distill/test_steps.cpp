// The VLsI training steps as tasks and run folders: what each step may change,
// that its losses fall, and the matched-index log of the interaction step.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "step_fixture.h"
#include "test_util.h"
#include "vlsi/distill/recipe.h"
#include "vlsi/distill/step_config.h"
#include "vlsi/distill/step_run.h"
#include "vlsi/distill/student_step_task.h"
#include "vlsi/distill/verbalize_task.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/model/registry.h"
#include "vlsi/train/run_data.h"
#include "vlsi/train/trainer.h"

using namespace vlsi;
using namespace vlsi::distill;
using io::json;

namespace {

// One fixture for the whole file (data, tokenizer, two model folders).
const std::string& fixture() {
  static const std::string dir = [] {
    auto d = vlsi::test_support::fresh_dir("distill_steps");
    vlsi::test_support::make_distill_fixture(d);
    return d;
  }();
  return dir;
}

std::map<std::string, torch::Tensor> snapshot(const torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> s;
  for (const auto& p : m.named_parameters()) s[p.key()] = p.value().detach().clone();
  return s;
}

// Names of parameters whose values differ from the snapshot.
std::vector<std::string> changed(const torch::nn::Module& m, const std::map<std::string, torch::Tensor>& before) {
  std::vector<std::string> out;
  for (const auto& p : m.named_parameters())
    if (!torch::equal(p.value(), before.at(p.key()))) out.push_back(p.key());
  return out;
}

std::vector<json> metric_lines(const std::string& path) {
  std::vector<json> out;
  std::istringstream in(io::read_file(path));
  for (std::string l; std::getline(in, l);) {
    auto j = json::parse(l);
    if (j.value("split", "") == "train") out.push_back(j);
  }
  return out;
}

VerbalizedModel fresh_side(const std::string& name, std::vector<int64_t> layers, uint64_t seed) {
  VerbalizedModel m;
  m.model_dir = fixture() + "/" + name;
  m.model = model::load_model(m.model_dir);
  m.verbalizers = VerbalizerSet(layers, m.model->config().text_config.hidden_size, output_head_of(m.model), VerbalizerOptions{}, seed);
  return m;
}

train::RunData run_data(const train::TrainerConfig& tc) {
  auto tok = text::Tokenizer::from_file(fixture() + "/tokenizer.json");
  const std::string student = fixture() + "/student";
  std::shared_ptr<const model::VisionProcessor> processor =
      model::load_processor(student, model::load_model_config(student));
  auto d = io::merge_with_defaults(train::data_defaults(), vlsi::test_support::fixture_data(fixture()), "data");
  return train::RunData(d, tok, processor, tc, "data");
}

train::TrainerConfig trainer_config(int64_t steps) {
  return train::TrainerConfig::from_json(vlsi::test_support::fixture_trainer(steps), "trainer");
}

}  // namespace

TEST(VerbalizeStep, TrainsOnlyVerbFfnsAndPerLayerLossesFall) {
  auto side = fresh_side("teacher", {0, 1, 2, 3}, 3);
  auto backbone = snapshot(*side.model);
  auto verb = snapshot(*side.verbalizers);
  auto tc = trainer_config(24);
  tc.lr = 5e-2;
  tc.min_lr = 5e-3;
  auto data = run_data(tc);
  VerbalizeTask task(side, {});
  auto stream = data.stream();
  auto out = vlsi::test_support::fresh_dir("verbalize_task");
  train::Trainer(tc, out, "verbalize").run(task, stream, false);

  EXPECT_TRUE(changed(*side.model, backbone).empty());
  EXPECT_EQ(changed(*side.verbalizers, verb).size(), verb.size());  // every verb-FFN matrix moved
  auto lines = metric_lines(out + "/metrics.jsonl");
  ASSERT_EQ(lines.size(), 24u);
  for (int layer : {0, 1, 2, 3}) {
    std::string key = "ce_layer_" + std::to_string(layer);
    double first = 0, last = 0;
    for (int i = 0; i < 4; ++i) first += lines[i][key].get<double>(), last += lines[20 + i][key].get<double>();
    EXPECT_LT(last, first - 4 * 0.2) << key;  // mean over 4 steps fell by > 0.2 nats
  }
}

TEST(InteractStep, ChangesOnlyLoraAndStudentVerbalizersAndLogsOrderedMatches) {
  auto teacher = fresh_side("teacher", {0, 1, 2, 3}, 1);
  auto student = fresh_side("student", {0, 1}, 2);
  auto t_model = snapshot(*teacher.model), t_verb = snapshot(*teacher.verbalizers);
  auto s_model = snapshot(*student.model), s_verb = snapshot(*student.verbalizers);
  StudentStepOptions o;  // interact defaults: kld/kld, multinomial with band, order, adaptive T
  StudentStepTask task(student, teacher, o);
  auto lora_before = model::named_lora_parameters(student.model);
  std::map<std::string, torch::Tensor> lora0;
  for (auto& [n, t] : lora_before) lora0[n] = t.detach().clone();

  auto tc = trainer_config(6);
  auto data = run_data(tc);
  auto stream = data.stream();
  auto out = vlsi::test_support::fresh_dir("interact_task");
  train::Trainer(tc, out, "interact").run(task, stream, false);

  EXPECT_TRUE(changed(*teacher.model, t_model).empty());
  EXPECT_TRUE(changed(*teacher.verbalizers, t_verb).empty());
  EXPECT_TRUE(changed(*student.model, s_model).empty());  // the base weights: only the adapter trains
  EXPECT_EQ(changed(*student.verbalizers, s_verb).size(), s_verb.size());
  int64_t lora_moved = 0;
  for (auto& [n, t] : model::named_lora_parameters(student.model)) lora_moved += !torch::equal(t, lora0.at(n));
  EXPECT_GT(lora_moved, 0);

  const int64_t ts = 2, tl = 4;
  auto lines = metric_lines(out + "/metrics.jsonl");
  ASSERT_EQ(lines.size(), 6u);
  for (const auto& l : lines) {
    EXPECT_TRUE(l.contains("kl_layer_0") && l.contains("kl_layer_1") && l.contains("loss_last")) << l.dump();
    ASSERT_EQ(l["events"].size(), 1u);
    auto m = l["events"][0]["matched"].get<std::vector<int64_t>>();
    ASSERT_EQ(int64_t(m.size()), ts);
    for (int64_t i = 0; i < ts; ++i) {
      EXPECT_GE(m[i], i == 0 ? 0 : m[i - 1] + 1);  // order preservation
      EXPECT_LE(m[i], tl - ts + i);                // search band
    }
  }
  auto counts = match_counts_from_metrics(out + "/metrics.jsonl", ts, tl);
  int64_t total = 0;
  for (auto& c : counts[0]) total += c.get<int64_t>();
  EXPECT_EQ(total, 6);
}

TEST(KdStep, TrainsLoraOnLastLayerKlAndCe) {
  auto teacher = fresh_side("teacher", {0, 1, 2, 3}, 1);
  auto student = fresh_side("student", {0, 1}, 2);
  auto s_model = snapshot(*student.model), s_verb = snapshot(*student.verbalizers);
  auto t_model = snapshot(*teacher.model);
  auto o = student_step_options("kd", step_defaults("kd"), "kd");
  EXPECT_EQ(o.intermediate.op, DivergenceOp::None);
  StudentStepTask task(student, teacher, o);
  auto tc = trainer_config(3);
  auto data = run_data(tc);
  auto stream = data.stream();
  auto out = vlsi::test_support::fresh_dir("kd_task");
  train::Trainer(tc, out, "kd").run(task, stream, false);
  EXPECT_TRUE(changed(*student.model, s_model).empty());
  EXPECT_TRUE(changed(*student.verbalizers, s_verb).empty());
  EXPECT_TRUE(changed(*teacher.model, t_model).empty());
  auto l = metric_lines(out + "/metrics.jsonl").back();
  EXPECT_TRUE(l.contains("loss_last") && l.contains("loss_ce") && !l.contains("events")) << l.dump();
}

TEST(StepConfig, DefaultsFollowTheMethodDoc) {
  auto i = step_defaults("interact");
  EXPECT_EQ(i["loss"]["intermediate_op"], "kld");
  EXPECT_EQ(i["loss"]["last_op"], "kld");
  EXPECT_EQ(i["loss"]["ce_weight"], 0.0);
  EXPECT_EQ(i["matching"]["strategy"], "multinomial");
  EXPECT_EQ(i["matching"]["temperature_scale"], 2.0);
  EXPECT_EQ(i["finetune"], "lora");
  EXPECT_EQ(i["train_verbalizers"], true);
  EXPECT_EQ(i["trainer"]["lr"], 1e-4);
  EXPECT_EQ(i["trainer"]["min_lr"], 1e-6);
  EXPECT_EQ(step_defaults("sft"), step_defaults("reinforce"));
  EXPECT_EQ(step_defaults("reinforce")["loss"]["last_op"], "none");
  auto v = step_defaults("verbalize");
  EXPECT_EQ(v["target_layers"]["start"], 2);
  EXPECT_EQ(v["target_layers"]["stride"], 4);
  EXPECT_EQ(v["verbalizer"]["form"], "residual");
  EXPECT_EQ(v["verbalizer"]["architecture"], "ffn");
  try {
    resolve_step_config("interact", {{"loss", {{"intermediate_op", "kl2"}}}}, {}, "x.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(distill_support::one_line_error_with(e.what(), "intermediate_op"));
  }
  EXPECT_THROW(canonical_step("interaction"), Error);
}

TEST(DistillRecipe, TeacherNeedsMoreTargetLayersThanStudent) {
  json cfg = {{"out", fixture() + "/never"},
              {"teacher", {{"model", fixture() + "/teacher"}, {"target_layers", {{"layers", {0, 1}}}}}},
              {"student", {{"model", fixture() + "/student"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}}};
  try {
    resolve_distill_config(cfg, {}, "recipe.json");
    FAIL() << "expected t_l > t_s to be enforced";
  } catch (const Error& e) {
    EXPECT_TRUE(distill_support::one_line_error_with(e.what(), "target layers"));
  }
  cfg["teacher"]["target_layers"] = {{"start", 0}, {"stride", 1}};
  auto stages = distill_stage_configs(resolve_distill_config(cfg, {}, "recipe.json"));
  EXPECT_EQ(stages["verbalize_student"]["target_layers"]["layers"], json({0, 1}));
  EXPECT_EQ(stages["verbalize_teacher"]["target_layers"]["layers"], json({0, 1, 2, 3}));
  EXPECT_EQ(stages["reinforce"]["trainer"]["max_steps"], stages["interact"]["trainer"]["max_steps"]);
  EXPECT_EQ(stages["reinforce"]["student"]["adapter"], fixture() + "/never/interact/adapter");
}
