// GPU checks: run where libtorch sees a CUDA device (the CUDA build on a GPU
// machine); skipped, with the reason printed, on CPU-only builds and machines.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../train/sft_fixture.h"
#include "vlsi/data/loader.h"
#include "vlsi/eval/eval_run.h"
#include "vlsi/model/init.h"
#include "vlsi/model/model_io.h"
#include "vlsi/train/sft_run.h"

using namespace vlsi;
namespace fs = std::filesystem;

namespace {
bool cuda() { return torch::cuda::is_available(); }
}  // namespace

TEST(Cuda, ForwardMatchesCpu) {
  if (!cuda()) GTEST_SKIP() << "no CUDA device visible to libtorch";
  std::string dir = test_support::fresh_dir("cuda_fwd");
  test_support::make_sft_fixture(dir);
  auto tok = text::Tokenizer::from_file(dir + "/tokenizer.json");
  auto j = io::read_json_file(dir + "/model.json");
  j["text_config"]["vocab_size"] = tok.vocab_size();
  j["image_token_index"] = *tok.token_to_id("<image>");
  auto cfg = model::VlmConfig::from_json(j, "model.json");
  auto cpu = model::create_model(cfg, 3);
  cpu->eval();
  auto ids = torch::randint(0, cfg.image_token_index, {2, 40}, torch::kLong);
  ids.slice(1, 2, 2 + cfg.single_tile_image_tokens()).fill_(cfg.image_token_index);
  auto pix = model::VisionInputs::one_tile_each(torch::randn({2, 3, 32, 32}));
  auto mask = torch::ones({2, 40}, torch::kLong);
  torch::NoGradGuard ng;
  auto ref = cpu->forward(ids, pix, mask).logits;
  cpu->to(torch::kCUDA);
  auto got = cpu->forward(ids.cuda(), pix.to(torch::kCUDA), mask.cuda()).logits.cpu();
  EXPECT_TRUE(torch::allclose(got, ref, 1e-3, 1e-3)) << (got - ref).abs().max().item<double>();
  fs::remove_all(dir);
}

TEST(Cuda, SftTrainsResumesAndEvaluatesOnGpu) {
  if (!cuda()) GTEST_SKIP() << "no CUDA device visible to libtorch";
  std::string dir = test_support::fresh_dir("cuda_sft");
  test_support::make_sft_fixture(dir);
  auto c = test_support::sft_config(dir, dir + "/run", 30);
  c["device"] = "cuda";
  auto cfg = train::resolve_sft_config(c, {}, "test");
  auto s = train::run_sft(cfg, false);
  EXPECT_LT(s["final_train_loss"].get<double>(), 3.0);
  // Resume on the GPU from a mid-run checkpoint.
  fs::remove(dir + "/run/summary.json");
  fs::remove_all(dir + "/run/checkpoints/step-00000030");
  auto r = train::run_sft(cfg, true);
  EXPECT_EQ(r["resumed_from"], 25);
  eval::EvalRunSpec spec;
  spec.model_dir = dir + "/run/model";
  spec.data = dir + "/data";
  spec.device = "cuda";
  auto res = eval::run_eval(spec);
  EXPECT_EQ(res["overall"]["total"], 16);
  fs::remove_all(dir);
}
