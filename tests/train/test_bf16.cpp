// Training in bfloat16 (the `dtype` option): the loss of one batch against
// float32's from the same weights, a run that learns, saves bfloat16 folders and
// resumes exactly (float32 master weights), the optimizer's fallback, and errors.
//
// Tolerance of a bfloat16 loss against float32's: relative 1e-2. bfloat16 keeps
// 8 significant bits, so every rounding of a weight or activation is off by up
// to 2^-9 (0.2%); the tiny model's loss goes through a few dozen such roundings
// whose errors mostly cancel (measured: 3e-4 on a trained model). 1e-2 leaves a
// margin of 30x and is still far below what a bug moves (a wrong dtype path, a
// lost upcast or a missing term changes the loss by 10% or more).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sft_fixture.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/safetensors_sharded.h"
#include "vlsi/model/fused_ops.h"
#include "vlsi/model/init.h"
#include "vlsi/model/model_io.h"
#include "vlsi/train/fused_adamw.h"
#include "vlsi/train/master_weights.h"
#include "vlsi/train/model_setup.h"
#include "vlsi/model/registry.h"
#include "vlsi/train/run_data.h"
#include "vlsi/train/sft_run.h"
#include "vlsi/train/sft_task.h"

using namespace vlsi;
namespace fs = std::filesystem;

namespace {

constexpr double kLossTolerance = 1e-2;  // relative; see the top of the file

const std::string& bf16_fixture() {
  static const std::string dir = [] {
    auto d = test_support::fresh_dir("bf16");
    test_support::make_sft_fixture(d);
    return d;
  }();
  return dir;
}

std::vector<io::json> train_lines(const std::string& path) {
  std::vector<io::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    auto j = io::json::parse(line);
    if (j["split"] == "train") out.push_back(j);
  }
  return out;
}

// A float32 SFT run of kSteps steps (run once, shared by the tests).
constexpr int64_t kSteps = 20;
io::json run_config(const std::string& out, const std::string& dtype) {
  return train::resolve_sft_config(test_support::sft_config(bf16_fixture(), out, kSteps), {"dtype=\"" + dtype + "\""},
                                   "test");
}
const std::string& float32_run() {
  static const std::string out = [] {
    std::string o = bf16_fixture() + "/f32";
    train::run_sft(run_config(o, "float32"), false);
    return o;
  }();
  return out;
}

double relative_difference(double a, double reference) { return std::abs(a - reference) / std::abs(reference); }

// Every tensor of a model folder is stored as `dtype`.
void expect_stored_as(const std::string& folder, torch::ScalarType dtype) {
  io::CheckpointReader reader(folder);
  for (const auto& name : reader.names()) EXPECT_EQ(reader.entry(name).scalar_type, dtype) << folder << " " << name;
}

}  // namespace

TEST(Bf16, SftLossAndGradientOfOneBatchMatchFloat32) {
  const std::string dir = bf16_fixture();
  auto tok = text::Tokenizer::from_file(dir + "/tokenizer.json");
  auto config = train::config_for_tokenizer(dir + "/model.json", tok);
  const auto sft = test_support::sft_config(dir, dir + "/unused", 10);
  auto tc = train::TrainerConfig::from_json(sft["trainer"], "trainer");
  train::RunData data(io::merge_with_defaults(train::data_defaults(), sft["data"], "data"), tok,
                     model::default_processor(config), tc, "data");
  auto batch = data.stream().next();

  // A trained float32 model (a fresh one's near-zero logits give a loss of about
  // log(vocabulary) whatever the precision), and the same model rounded to bfloat16.
  model::LoadOptions lo;
  lo.dtype = torch::kFloat;
  auto f32 = model::load_model(float32_run() + "/model", lo);
  lo.dtype = torch::kBFloat16;
  auto bf16 = model::load_model(float32_run() + "/model", lo);
  train::SftTask f32_task(f32, {}), bf16_task(bf16, {});
  auto f32_params = f32_task.trainable_parameters(), bf16_params = bf16_task.trainable_parameters();
  auto f32_loss = f32_task.compute_loss(batch).loss;
  auto bf16_loss = bf16_task.compute_loss(batch).loss;
  EXPECT_EQ(bf16_loss.scalar_type(), torch::kFloat);  // computed from float32 logits
  const double a = f32_loss.item<double>(), b = bf16_loss.item<double>();
  std::printf("[bf16] one batch: float32 loss %.6f, bfloat16 loss %.6f, relative difference %.2e\n", a, b,
              relative_difference(b, a));
  EXPECT_LT(relative_difference(b, a), kLossTolerance) << a << " vs " << b;

  // The gradients point the same way (cosine over every parameter).
  f32_loss.backward();
  bf16_loss.backward();
  std::vector<torch::Tensor> ga, gb;
  for (size_t i = 0; i < f32_params.size(); ++i) {
    ASSERT_EQ(bf16_params[i].grad().defined(), f32_params[i].grad().defined()) << i;
    if (!f32_params[i].grad().defined()) continue;  // unused by this model (e.g. the vision tower's last norm)
    EXPECT_EQ(bf16_params[i].grad().scalar_type(), torch::kBFloat16);
    ga.push_back(f32_params[i].grad().flatten());
    gb.push_back(bf16_params[i].grad().to(torch::kFloat).flatten());
  }
  auto x = torch::cat(ga), y = torch::cat(gb);
  double cosine = (x.dot(y) / (x.norm() * y.norm())).item<double>();
  std::printf("[bf16] gradient cosine %.5f\n", cosine);
  EXPECT_GT(cosine, 0.99);
}

TEST(Bf16, SftRunLearnsSavesBfloat16AndResumesExactly) {
  const std::string dir = bf16_fixture();
  const int64_t steps = kSteps;
  auto summary = train::run_sft(run_config(dir + "/bf16", "bfloat16"), false);
  auto f32 = train_lines(float32_run() + "/metrics.jsonl"), bf16 = train_lines(dir + "/bf16/metrics.jsonl");
  ASSERT_EQ(bf16.size(), size_t(steps));

  // Step 1: the same weights (rounded) and the same batch.
  const double a = f32[0]["loss"].get<double>(), b = bf16[0]["loss"].get<double>();
  std::printf(
      "[bf16] run step 1: float32 %.6f, bfloat16 %.6f (relative %.2e); step %lld: float32 %.4f, "
      "bfloat16 %.4f\n",
      a, b, relative_difference(b, a), static_cast<long long>(steps), f32.back()["loss"].get<double>(),
      bf16.back()["loss"].get<double>());
  EXPECT_LT(relative_difference(b, a), kLossTolerance);
  // It learns, about as float32 does.
  auto mean = [](const std::vector<io::json>& v, size_t from, size_t to) {
    double s = 0;
    for (size_t i = from; i < to; ++i) s += v[i]["loss"].get<double>();
    return s / double(to - from);
  };
  const double first = mean(bf16, 0, 4), last = mean(bf16, steps - 4, steps);
  EXPECT_LT(last, 0.75 * first) << "first " << first << " last " << last;
  EXPECT_LT(relative_difference(last, mean(f32, steps - 4, steps)), kLossTolerance);

  // Saved as transformers saves a bfloat16 model: `dtype` in config.json, BF16 tensors.
  auto cfg_json = io::read_json_file(dir + "/bf16/model/config.json");
  EXPECT_EQ(cfg_json["dtype"], "bfloat16");
  EXPECT_FALSE(cfg_json.contains("torch_dtype"));
  expect_stored_as(dir + "/bf16/model", torch::kBFloat16);
  EXPECT_EQ(io::read_json_file(dir + "/f32/model/config.json")["dtype"], "float32");
  EXPECT_EQ(model::load_model(dir + "/bf16/model")->lm_head_weight().scalar_type(), torch::kBFloat16);
  EXPECT_EQ(summary["steps"], steps);
  EXPECT_TRUE(fs::exists(dir + "/bf16/checkpoints/step-00000020/master_weights.pt"));
  EXPECT_FALSE(fs::exists(dir + "/f32/checkpoints/step-00000020/master_weights.pt"));

  // Killed after the step-10 checkpoint: the float32 masters come back, so the
  // resumed run ends bit-identical to the uninterrupted one.
  const std::string cut = dir + "/bf16-cut";
  fs::create_directories(cut + "/checkpoints");
  fs::copy(dir + "/bf16/checkpoints/step-00000010", cut + "/checkpoints/step-00000010", fs::copy_options::recursive);
  auto resumed = train::run_sft(run_config(cut, "bfloat16"), true);
  EXPECT_EQ(resumed["resumed_from"], 10);
  io::CheckpointReader full(dir + "/bf16/model"), part(cut + "/model");
  for (const auto& name : full.names()) EXPECT_TRUE(torch::equal(full.load(name), part.load(name))) << name;
}

TEST(Bf16, SaveLoadRoundTripKeepsDtypeAndConfigField) {
  const std::string dir = test_support::fresh_dir("bf16_roundtrip");
  auto tok = text::Tokenizer::from_file(bf16_fixture() + "/tokenizer.json");
  auto m = model::create_model(train::config_for_tokenizer(bf16_fixture() + "/model.json", tok), 4);
  m->to(torch::kBFloat16);
  model::save_model(m, dir);
  auto j = io::read_json_file(dir + "/config.json");
  EXPECT_EQ(j["dtype"], "bfloat16");
  EXPECT_FALSE(j.contains("torch_dtype"));
  expect_stored_as(dir, torch::kBFloat16);

  auto back = model::load_model(dir);  // no dtype asked for: config.json's
  auto params = m->named_parameters();
  for (const auto& p : back->named_parameters()) {
    EXPECT_EQ(p.value().scalar_type(), torch::kBFloat16) << p.key();
    EXPECT_TRUE(torch::equal(p.value(), params[p.key()])) << p.key();
  }
  model::LoadOptions lo;
  lo.dtype = torch::kFloat;
  EXPECT_EQ(model::load_model(dir, lo)->lm_head_weight().scalar_type(), torch::kFloat);

  // Saved again after a float32 load: asked for bfloat16, the same file content.
  model::SaveOptions so;
  so.dtype = torch::kBFloat16;
  model::save_model(model::load_model(dir, lo), dir + "/again", so);
  io::CheckpointReader a(dir), b(dir + "/again");
  for (const auto& name : a.names()) EXPECT_TRUE(torch::equal(a.load(name), b.load(name))) << name;

  // The older spelling is read too.
  j.erase("dtype");
  j["torch_dtype"] = "bfloat16";
  io::write_json_file(dir + "/config.json", j);
  EXPECT_EQ(model::load_model(dir)->lm_head_weight().scalar_type(), torch::kBFloat16);
  io::remove_tree(dir);  // not std::filesystem::remove_all (crashes with PyTorch 2.x binaries)
}

TEST(Bf16, FusedOpsTakeTheTorchCompositionForBfloat16) {
  // The fused kernels are float32-only; bfloat16 must get the composition, gradients included.
  torch::manual_seed(1);
  auto x = torch::randn({2, 4, 6, 8}).to(torch::kBFloat16).requires_grad_(true);
  auto w = torch::randn({8}).to(torch::kBFloat16).requires_grad_(true);
  auto gate_up = torch::randn({2, 6, 16}).to(torch::kBFloat16).requires_grad_(true);
  auto cos = torch::randn({2, 1, 6, 4}).to(torch::kBFloat16), sin = torch::randn({2, 1, 6, 4}).to(torch::kBFloat16);
  auto y = model::rms_norm(x, w, 1e-6), s = model::swiglu(gate_up), r = model::rotary(x, cos, sin);
  for (const auto& t : {y, s, r}) EXPECT_EQ(t.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(y, model::rms_norm_reference(x, w, 1e-6)));
  EXPECT_TRUE(torch::equal(s, model::swiglu_reference(gate_up)));
  EXPECT_TRUE(torch::equal(r, model::rotary_reference(x, cos, sin)));
  (y.sum() + s.sum() + r.sum()).to(torch::kFloat).backward();
  for (const auto& t : {x, w, gate_up}) EXPECT_EQ(t.grad().scalar_type(), torch::kBFloat16);
}

TEST(Bf16, FusedAdamWFallsBackToTheLibraryStepForBfloat16) {
  torch::manual_seed(0);
  auto p0 = torch::randn({64, 32}).to(torch::kBFloat16);
  auto grad = torch::randn({64, 32}).to(torch::kBFloat16);
  auto a = p0.clone().requires_grad_(true), b = p0.clone().requires_grad_(true);
  train::TrainerConfig tc;
  tc.lr = 1e-2;
  tc.weight_decay = 0.1;
  auto fused = train::make_adamw({a}, tc);
  torch::optim::AdamW plain(
      {b}, torch::optim::AdamWOptions(tc.lr).betas({tc.beta1, tc.beta2}).eps(tc.eps).weight_decay(tc.weight_decay));
  for (int step = 0; step < 3; ++step) {
    a.mutable_grad() = grad.clone();
    b.mutable_grad() = grad.clone();
    fused->step();
    plain.step();
  }
  EXPECT_EQ(a.scalar_type(), torch::kBFloat16);
  EXPECT_FALSE(torch::equal(a, p0));
  EXPECT_TRUE(torch::equal(a, b));
}

TEST(Bf16, MasterWeightsKeepUpdatesBelowBfloat16Resolution) {
  // AdamW moves each weight by about lr per step; at 1.0 a bfloat16 step is 2^-7,
  // so lr 1e-4 rounds away in bfloat16 but adds up in the float32 master.
  train::TrainerConfig tc;
  tc.lr = 1e-4;
  auto run = [&](bool with_master) {
    auto p = torch::ones({16}, torch::kBFloat16).requires_grad_(true);
    train::MasterWeights master({p});
    EXPECT_TRUE(master.active());
    auto opt = train::make_adamw(with_master ? master.optimizer_params() : std::vector<torch::Tensor>{p}, tc);
    for (int step = 0; step < 100; ++step) {
      train::release_grads(*opt);
      p.mutable_grad() = torch::ones({16}, torch::kBFloat16);
      if (with_master) master.accumulate_grads();
      opt->step();
      if (with_master) master.copy_to_model();
    }
    return p.detach().to(torch::kFloat);
  };
  EXPECT_TRUE(torch::equal(run(false), torch::ones({16})));  // plain bfloat16 AdamW: stuck
  auto moved = run(true);
  EXPECT_NEAR(moved[0].item<double>(), 0.99, 0.004);  // 100 steps of 1e-4, within one bfloat16 step

  // float32 parameters get no copy: the optimizer updates them directly.
  auto f = torch::ones({4}).requires_grad_(true);
  train::MasterWeights none({f});
  EXPECT_FALSE(none.active());
  EXPECT_TRUE(none.optimizer_params()[0].is_same(f));
}

TEST(Bf16, UnknownDtypeIsAOneLineErrorNamingTheField) {
  auto error_of = [](const std::string& value) {
    try {
      train::resolve_sft_config(io::json::object(), {"dtype=\"" + value + "\""}, "run.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string e = error_of("float8");
  EXPECT_NE(e.find("run.json: field 'dtype'"), std::string::npos) << e;
  EXPECT_NE(e.find("\"float32\" or \"bfloat16\", got \"float8\""), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  e = error_of("float16");
  EXPECT_NE(e.find("field 'dtype'"), std::string::npos) << e;
  EXPECT_NE(e.find("loss scaling"), std::string::npos) << e;
  EXPECT_EQ(train::resolve_sft_config(io::json::object(), {}, "run.json")["dtype"], "float32");
}
