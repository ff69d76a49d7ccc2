// Numerical parity with tests/model/reference_vlm.py, an independent float64
// PyTorch implementation of the same architecture from the HF semantics.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "../support/python_reference.h"
#include "tiny_model.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/model/init.h"
#include "vlsi/model/model_io.h"

using namespace vlsi;
using namespace vlsi::model;
using test_support::make_ids;
using test_support::temp_dir;
using test_support::tiny_config;

namespace {

// max |ours - ref| over the real (unpadded) tokens, relative to max |ref|.
double relative_error(const torch::Tensor& ours, const torch::Tensor& ref, const torch::Tensor& keep) {
  auto o = ours.to(torch::kDouble), r = ref.to(torch::kDouble);
  if (keep.defined()) {
    auto m = keep.to(torch::kBool);
    o = o.index({m});
    r = r.index({m});
  }
  return ((o - r).abs().max() / r.abs().max()).item<double>();
}

void check_parity(VlmConfig config, uint64_t seed, int64_t shard_bytes) {
  auto model = create_model(config, seed);
  {
    // Larger weights than HF's init so every nonlinearity is exercised.
    torch::NoGradGuard g;
    torch::manual_seed(seed);
    for (auto& p : model->parameters()) p.add_(torch::randn_like(p) * 0.2);
  }
  std::string dir = temp_dir(std::to_string(seed));
  SaveOptions so;
  so.max_shard_bytes = shard_bytes;
  save_model(model, dir + "/model", so);

  const int64_t P = config.image_tokens_per_image(), T = P + 14, pad = 4;
  auto row0 = make_ids(T, 3, 1, P, 1);
  auto row1 = torch::cat({torch::zeros({pad}, torch::kLong), make_ids(T - pad, 5, 1, P, 2)});  // left-padded
  auto ids = torch::stack({row0, row1});
  auto mask = torch::ones({2, T}, torch::kLong);
  mask[1].slice(0, 0, pad).zero_();
  torch::manual_seed(seed + 100);
  auto px = torch::randn({2, 3, config.vision_config.image_size, config.vision_config.image_size});
  io::save_safetensors(dir + "/inputs.safetensors", {{"input_ids", ids}, {"attention_mask", mask}, {"pixel_values", px}});

  std::string cmd = test_python::command("tests/model/reference_vlm.py") + dir + "/model " + dir +
                    "/inputs.safetensors " + dir + "/ref.safetensors";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << test_python::missing_hint() << ": " << cmd;
  auto ref = io::load_safetensors(dir + "/ref.safetensors");

  // The model as loaded back from the folder, as training and inference see it.
  auto loaded = load_model(dir + "/model");
  torch::NoGradGuard g;
  auto out = loaded->forward(ids, px, mask, {true, true});
  EXPECT_LT(relative_error(loaded->image_features(px), ref.at("image_features"), {}), 1e-4);
  ASSERT_EQ(out.layer_hidden_states.size(), size_t(config.text_config.num_hidden_layers));
  for (size_t i = 0; i < out.layer_hidden_states.size(); ++i)
    EXPECT_LT(relative_error(out.layer_hidden_states[i], ref.at("hidden." + std::to_string(i)), mask), 1e-4)
        << "layer " << i;
  double err = relative_error(out.logits, ref.at("logits"), mask);
  EXPECT_LT(err, 1e-4);
  std::cout << "[ parity   ] logits relative error vs float64 reference: " << err << "\n";
  // Not vacuous: the outputs are far from constant, and a perturbed model is caught.
  EXPECT_GT(ref.at("logits").std().item<double>(), 0.1);
  loaded->language_model->model->layer_list[0]->self_attn->k_proj->bias.add_(0.01);
  EXPECT_GT(relative_error(loaded->forward(ids, px, mask).logits, ref.at("logits"), mask), 1e-3);
}

}  // namespace

TEST(ReferenceParity, MatchesPlainPytorchReference) { check_parity(tiny_config(), 31, 0); }

TEST(ReferenceParity, TiedHeadEarlierFeatureLayerDefaultStrategySharded) {
  VlmConfig c = tiny_config();
  c.tie_word_embeddings = true;
  c.vision_feature_layer = -2;
  c.vision_feature_select_strategy = "default";
  c.text_config.num_key_value_heads = 1;
  c.text_config.rope_theta = 1e6;
  c.vision_config.image_size = 18;  // 18 / 4 -> 4 patches per side, remainder dropped as HF does
  check_parity(c, 32, 30000);
}
