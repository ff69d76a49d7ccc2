// LoRA: the plain path is torch::linear, fresh adapters change nothing, merged
// equals unmerged, adapter folders round-trip in PEFT layout, base model folders
// never see the adapter.
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <regex>

#include "tiny_model.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/model/init.h"
#include "vlsi/model/lora_model.h"
#include "vlsi/model/model_io.h"

using namespace vlsi;
using namespace vlsi::model;
using test_support::make_ids;
using test_support::temp_dir;
using test_support::tiny_config;

namespace {

torch::Tensor text_logits(CausalVlm& m) {
  torch::NoGradGuard g;
  auto ids = make_ids(12, 0, 0, 0, 3).unsqueeze(0);
  return m->forward(ids, VisionInputs(), torch::Tensor()).logits;
}

// Non-zero B so the adapter actually changes the outputs.
void randomise_b(CausalVlm& m, uint64_t seed) {
  torch::NoGradGuard g;
  torch::manual_seed(seed);
  for (auto& [name, t] : named_lora_parameters(m))
    if (name.find("lora_B") != std::string::npos) t.copy_(torch::randn_like(t) * 0.05);
}

}  // namespace

TEST(Lora, PlainPathIsExactlyTorchLinear) {
  torch::manual_seed(0);
  LoraLinear lin(8, 5, true);
  auto x = torch::randn({3, 8});
  EXPECT_TRUE(torch::equal(lin->forward(x), torch::linear(x, lin->weight, lin->bias)));
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  lin->attach_adapter({4, 4.0, 0.0}, gen);
  lin->set_adapter_enabled(false);
  EXPECT_TRUE(torch::equal(lin->forward(x), torch::linear(x, lin->weight, lin->bias)));
  // Only weight and bias are registered (HF names); the adapter is not.
  EXPECT_EQ(lin->named_parameters().keys(), (std::vector<std::string>{"weight", "bias"}));
}

TEST(Lora, RankRuleScalesWithWidth) {
  EXPECT_EQ(lora_rank_for_width(32), 4);
  EXPECT_EQ(lora_rank_for_width(96), 6);
  EXPECT_EQ(lora_rank_for_width(256), 16);
  EXPECT_EQ(lora_rank_for_width(1536), 64);
  EXPECT_EQ(lora_rank_for_width(3584), 64);
  auto m = create_model(tiny_config(), 0);
  auto o = resolve_lora_options(LoraConfig{}, m);
  EXPECT_EQ(o.rank, 4);
  EXPECT_DOUBLE_EQ(o.alpha, 4.0);
}

TEST(Lora, FreshAdaptersLeaveOutputsUnchanged) {
  auto m = create_model(tiny_config(), 1);
  auto before = text_logits(m);
  EXPECT_EQ(add_lora(m, LoraConfig{}), 2 * 7);  // 2 layers x 7 linears
  EXPECT_TRUE(has_lora(m));
  EXPECT_TRUE(torch::equal(text_logits(m), before));
  // Only the LLM linears: the vision tower has none.
  for (auto& [name, t] : named_lora_parameters(m)) {
    EXPECT_EQ(name.rfind("base_model.model.language_model.model.layers.", 0), 0u) << name;
    EXPECT_TRUE(t.requires_grad());
  }
}

TEST(Lora, MergedEqualsUnmergedAndDisableRestoresBase) {
  auto m = create_model(tiny_config(), 2);
  auto base = text_logits(m);
  LoraConfig lc;
  lc.rank = 3;
  lc.alpha = 6;
  add_lora(m, lc);
  randomise_b(m, 5);
  auto adapted = text_logits(m);
  EXPECT_GT((adapted - base).abs().max().item<double>(), 1e-4);
  set_lora_enabled(m, false);
  EXPECT_TRUE(torch::equal(text_logits(m), base));
  set_lora_enabled(m, true);
  merge_lora(m);
  EXPECT_FALSE(has_lora(m));
  EXPECT_TRUE(torch::allclose(text_logits(m), adapted, 1e-5, 1e-5));
}

TEST(Lora, TargetModulesSelectLinears) {
  auto m = create_model(tiny_config(), 0);
  LoraConfig lc;
  lc.target_modules = {"q_proj", "v_proj"};
  EXPECT_EQ(add_lora(m, lc), 4);
  lc.target_modules = {"qkv"};
  EXPECT_THROW(add_lora(m, lc), Error);
}

TEST(Lora, AdapterFolderRoundTripsAndMergesIntoAPlainModel) {
  auto dir = temp_dir();
  auto m = create_model(tiny_config(), 3);
  save_model(m, dir + "/base");
  LoraConfig lc;
  lc.rank = 2;
  lc.alpha = 4;
  add_lora(m, lc);
  randomise_b(m, 7);
  auto adapted = text_logits(m);
  save_lora_adapter(m, dir + "/adapter", dir + "/base");

  // PEFT names and config.
  auto tensors = io::load_safetensors(dir + "/adapter/adapter_model.safetensors");
  EXPECT_TRUE(tensors.count("base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight"));
  EXPECT_TRUE(tensors.count("base_model.model.language_model.model.layers.1.mlp.down_proj.lora_B.weight"));
  auto cfg = io::read_json_file(dir + "/adapter/adapter_config.json");
  EXPECT_EQ(cfg["r"], 2);
  EXPECT_EQ(cfg["peft_type"], "LORA");
  // peft full-matches exclude_modules: SigLIP's q/k/v_proj stay without adapters, in either transformers layout.
  const std::regex exclude(cfg["exclude_modules"].get<std::string>());
  EXPECT_TRUE(std::regex_match("model.vision_tower.vision_model.encoder.layers.0.self_attn.q_proj", exclude));
  EXPECT_TRUE(std::regex_match("vision_tower.vision_model.encoder.layers.0.self_attn.v_proj", exclude));
  EXPECT_FALSE(std::regex_match("model.language_model.layers.0.self_attn.q_proj", exclude));
  EXPECT_FALSE(std::regex_match("language_model.model.layers.1.mlp.down_proj", exclude));

  // A model folder saved while adapters are attached is still the plain base.
  save_model(m, dir + "/with_adapter");
  for (auto& [name, t] : io::load_safetensors(dir + "/with_adapter/model.safetensors"))
    EXPECT_EQ(name.find("lora"), std::string::npos) << name;

  auto reloaded = load_model(dir + "/base");
  load_lora_adapter(reloaded, dir + "/adapter");
  EXPECT_TRUE(torch::allclose(text_logits(reloaded), adapted, 1e-6, 1e-6));

  merge_lora_folder(dir + "/base", dir + "/adapter", dir + "/merged");
  auto merged = load_model(dir + "/merged");
  EXPECT_FALSE(has_lora(merged));
  EXPECT_TRUE(torch::allclose(text_logits(merged), adapted, 1e-5, 1e-5));
}

TEST(Lora, MismatchedAdapterIsRefusedInOneLine) {
  auto dir = temp_dir();
  auto m = create_model(tiny_config(), 3);
  add_lora(m, LoraConfig{});
  save_lora_adapter(m, dir);
  auto other_config = tiny_config();
  other_config.text_config.hidden_size = 32;
  other_config.text_config.num_attention_heads = 2;
  other_config.text_config.num_key_value_heads = 1;
  auto other = create_model(other_config, 0);
  try {
    load_lora_adapter(other, dir);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("adapter does not match the model"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
  }
  EXPECT_FALSE(has_lora(other));
}
