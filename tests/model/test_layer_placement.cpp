// A decoder split by layer ranges (model/layer_placement.h): the config form's
// errors are one line naming the field; a placement whose ranges all say "cpu"
// runs the split loops (per-range moves of the hidden state, rotary tables and
// bias) and gives bit-identical outputs to the unsplit model, for
// LLaVA-OneVision (untied head, images, padding, gradient checkpointing) and
// Qwen2-VL (tied head, M-RoPE), forward and KV-cache decoding; on CUDA, two
// ranges on the GPU(s) agree with the CPU within float32 rounding.
#include <gtest/gtest.h>

#include "tiny_model.h"
#include "vlsi/io/error.h"
#include "vlsi/model/causal_vlm.h"
#include "vlsi/model/init.h"
#include "vlsi/model/layer_placement.h"
#include "vlsi/model/registry.h"

using namespace vlsi;
using namespace vlsi::model;

namespace layer_placement_tests {

// layer_placement_from_json(map, layers) fails in one line naming the field and holding `needle`.
void expect_map_error(const json& map, int64_t layers, const std::string& needle) {
  const std::string field = "interact config: field 'teacher.device_map'";
  try {
    layer_placement_from_json(map, layers, field);
    ADD_FAILURE() << "expected an error containing '" << needle << "' for " << map.dump();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(field), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

// Four text layers so two ranges of two layers each split the decoder.
VlmConfig llava_config() {
  VlmConfig c = test_support::tiny_config();
  c.text_config.num_hidden_layers = 4;
  return c;
}

VlmConfig qwen2_vl_config() {
  json j = {{"model_type", "qwen2_vl"},
            {"architectures", {"Qwen2VLForConditionalGeneration"}},
            {"image_token_id", 95},
            {"vision_start_token_id", 94},
            {"vision_end_token_id", 93},
            {"video_token_id", 92},
            {"text_config",
             {{"model_type", "qwen2_vl_text"}, {"vocab_size", 96}, {"hidden_size", 64}, {"intermediate_size", 96},
              {"num_hidden_layers", 4}, {"num_attention_heads", 4}, {"num_key_value_heads", 2},
              {"max_position_embeddings", 256}, {"tie_word_embeddings", true},
              {"rope_scaling", {{"type", "mrope"}, {"mrope_section", {2, 2, 4}}}}}},
            {"vision_config",
             {{"depth", 1}, {"embed_dim", 32}, {"hidden_size", 64}, {"num_heads", 2}, {"mlp_ratio", 2},
              {"patch_size", 8}, {"spatial_merge_size", 2}, {"temporal_patch_size", 2}}}};
  return model_config_from_json(j, "qwen2_vl test config");
}

// Two models with the same weights (scaled up from HF's tiny init so the
// comparison sees real activations).
std::pair<CausalVlm, CausalVlm> twin_models(const VlmConfig& c) {
  auto a = create_model(c, 3), b = create_model(c, 4);
  torch::NoGradGuard g;
  torch::manual_seed(5);
  auto pb = b->named_parameters();
  for (auto& p : a->named_parameters()) {
    p.value().add_(torch::randn_like(p.value()) * 0.15);
    pb[p.key()].copy_(p.value());
  }
  return {a, b};
}

LayerPlacement two_ranges(const VlmConfig& c, const std::string& first, const std::string& second) {
  const int64_t n = c.text_config.num_hidden_layers, half = n / 2;
  json map = {{"layers 0-" + std::to_string(half - 1), first},
              {"layers " + std::to_string(half) + "-" + std::to_string(n - 1), second}};
  return layer_placement_from_json(map, n, "test device_map");
}

// A left-padded batch of two rows: `ids` [2, T] with row 1's first `pad` slots padding.
torch::Tensor padded_mask(int64_t T, int64_t pad) {
  auto m = torch::ones({2, T}, torch::kLong);
  m[1].narrow(0, 0, pad).zero_();
  return m;
}

struct Sample {
  torch::Tensor ids, mask;
  VisionInputs images;
};

// LLaVA-OneVision: one 16x16 tile per row (16 features + newline = 17 image tokens).
Sample llava_sample() {
  torch::manual_seed(9);
  const int64_t T = 24;
  auto ids = torch::stack({test_support::make_ids(T, 3, 1, 17, 1), test_support::make_ids(T, 5, 1, 17, 2)});
  return {ids, padded_mask(T, 2), VisionInputs::one_tile_each(torch::randn({2, 3, 16, 16}))};
}

// Qwen2-VL: one 32x32 image per row (4x4 patches -> 4 merged tokens) after a vision-start token.
Sample qwen2_vl_sample() {
  torch::manual_seed(10);
  const int64_t T = 14;
  auto ids = torch::stack({test_support::make_ids(T, 4, 1, 4, 3, 95, 90), test_support::make_ids(T, 6, 1, 4, 4, 95, 90)});
  ids[0][3] = 94;
  ids[1][5] = 94;
  VisionInputs v;
  v.pixel_values = torch::randn({32, 3 * 2 * 8 * 8});
  v.tiles_per_image = {16, 16};
  v.image_sizes = {{{32, 32}}, {{32, 32}}};
  v.patch_grids = {{{1, 4, 4}}, {{1, 4, 4}}};
  return {ids, padded_mask(T, 2), v};
}

VlmOutput run_forward(CausalVlm& m, const Sample& s, const torch::Device& device) {
  torch::NoGradGuard g;
  ForwardOptions fo;
  fo.output_layer_hidden_states = true;
  return m->forward(s.ids.to(device), s.images.to(device), s.mask.to(device), fo);
}

// A prompt step and two one-token steps through decode_cached; each step's logits.
std::vector<torch::Tensor> run_cached(CausalVlm& m, const Sample& s, const torch::Device& device) {
  torch::NoGradGuard g;
  const auto ids = s.ids.to(device), mask = s.mask.to(device);
  const auto images = s.images.to(device);
  KvCache cache(m->num_layers(), ids.size(1) + 2);
  std::vector<torch::Tensor> out;
  auto h = m->decode_cached(m->input_embeddings(ids, images), mask, cache, m->position_ids(ids, images, mask));
  out.push_back(m->logits_from_hidden(h).cpu());
  for (int64_t step = 0; step < 2; ++step) {
    auto next = out.back().select(1, -1).argmax(-1).view({-1, 1}).to(device);
    h = m->decode_cached(m->embed_tokens(next), torch::ones({2, 1}, torch::kLong).to(device), cache);
    out.push_back(m->logits_from_hidden(h).cpu());
  }
  return out;
}

void expect_identical(const VlmOutput& a, const VlmOutput& b) {
  EXPECT_TRUE(torch::equal(a.logits, b.logits.cpu()));
  EXPECT_TRUE(torch::equal(a.last_hidden_state, b.last_hidden_state.cpu()));
  ASSERT_EQ(a.layer_hidden_states.size(), b.layer_hidden_states.size());
  for (size_t i = 0; i < a.layer_hidden_states.size(); ++i)
    EXPECT_TRUE(torch::equal(a.layer_hidden_states[i], b.layer_hidden_states[i].cpu())) << "layer " << i;
}

void expect_all_cpu_split_identical(const VlmConfig& c, const Sample& s) {
  auto [whole, split] = twin_models(c);
  split->place_layers(two_ranges(c, "cpu", "cpu"));
  ASSERT_EQ(split->layer_placement().ranges().size(), 2u);
  expect_identical(run_forward(whole, s, torch::kCPU), run_forward(split, s, torch::kCPU));
  auto a = run_cached(whole, s, torch::kCPU), b = run_cached(split, s, torch::kCPU);
  for (size_t k = 0; k < a.size(); ++k) EXPECT_TRUE(torch::equal(a[k], b[k])) << "decode step " << k;
}

TEST(LayerPlacement, AllCpuSplitIsBitIdenticalLlavaOnevision) {
  expect_all_cpu_split_identical(llava_config(), llava_sample());
}

TEST(LayerPlacement, AllCpuSplitIsBitIdenticalQwen2Vl) {
  expect_all_cpu_split_identical(qwen2_vl_config(), qwen2_vl_sample());
}

TEST(LayerPlacement, AllCpuSplitWithCheckpointingGivesTheSameGradients) {
  const VlmConfig c = llava_config();
  auto [whole, split] = twin_models(c);
  split->place_layers(two_ranges(c, "cpu", "cpu"));
  const Sample s = llava_sample();
  for (auto* m : {&whole, &split}) {
    (*m)->train();
    (*m)->set_gradient_checkpointing(true);
    (*m)->forward(s.ids, s.images, s.mask).logits.square().mean().backward();
  }
  auto ga = whole->named_parameters(), gb = split->named_parameters();
  int64_t compared = 0;
  for (auto& p : ga) {
    const auto a = p.value().grad(), b = gb[p.key()].grad();
    ASSERT_EQ(a.defined(), b.defined()) << p.key();
    if (!a.defined()) continue;  // parameters the output does not reach (vision layers past the feature layer)
    EXPECT_TRUE(torch::equal(a, b)) << p.key();
    ++compared;
  }
  EXPECT_GT(compared, 20);
}

TEST(LayerPlacement, MapErrorsAreOneLineNamingTheField) {
  expect_map_error({{"layers 0-39", "cuda:1"}, {"layers 41-79", "cuda:2"}}, 80, "leaves layer 40 without a device");
  expect_map_error({{"layers 0-40", "cuda:1"}, {"layers 40-79", "cuda:2"}}, 80, "overlaps the range before it at layer 40");
  expect_map_error({{"layers 0-39", "cuda:1"}, {"layers 40-78", "cuda:2"}}, 80, "leaves layer 79 of 80 without a device");
  expect_map_error({{"layers 0-39", "cuda:1"}, {"layers 40-80", "cuda:2"}}, 80, "reaches past layer 79");
  expect_map_error({{"layers 2-3", "cpu"}}, 4, "leaves layers 0-1 without a device");
  expect_map_error({{"layers 3-1", "cpu"}}, 4, "runs backwards");
  expect_map_error({{"layer 0-3", "cpu"}}, 4, "key \"layer 0-3\" is malformed (expected \"layers FIRST-LAST\"");
  expect_map_error({{"layers 0-x", "cpu"}}, 4, "is malformed");
  expect_map_error({{"layers 0-3", "gpu"}}, 4, "expected cpu, cuda or cuda:N, got 'gpu'");
  expect_map_error({{"layers 0-3", 1}}, 4, "expected a device name");
  expect_map_error(json::array({"cpu"}), 4, "expected an object");
  EXPECT_TRUE(layer_placement_from_json(json::object(), 4, "x").empty());
  // Numeric order, not the keys' text order ("layers 10-11" sorts before "layers 2-9").
  auto p = layer_placement_from_json({{"layers 0-1", "cpu"}, {"layers 2-9", "cpu"}, {"layers 10-11", "cpu"}}, 12, "x");
  ASSERT_EQ(p.ranges().size(), 3u);
  EXPECT_EQ(p.ranges()[2].first, 10);
  EXPECT_EQ(p.device_of_layer(11), torch::Device(torch::kCPU));
}

TEST(LayerPlacement, PlacementOfAnotherDepthIsRefused) {
  auto m = create_model(llava_config(), 1);
  auto p = layer_placement_from_json({{"layers 0-1", "cpu"}}, 2, "x");
  EXPECT_THROW(m->place_layers(p), Error);
}

// Two ranges on cuda:0 (and on cuda:0 / cuda:1 where two GPUs exist) against the CPU.
TEST(LayerPlacement, CudaRangesAgreeWithTheCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device visible to libtorch";
  const std::string second = torch::cuda::device_count() > 1 ? "cuda:1" : "cuda:0";
  for (const auto& [c, s] : {std::pair<VlmConfig, Sample>{llava_config(), llava_sample()},
                             {qwen2_vl_config(), qwen2_vl_sample()}}) {
    auto [cpu, gpu] = twin_models(c);
    gpu->place_layers(two_ranges(c, "cuda:0", second));
    const int64_t last = c.text_config.num_hidden_layers - 1;
    EXPECT_EQ(gpu->final_norm_weight().device().str(), second);
    auto want = run_forward(cpu, s, torch::kCPU), got = run_forward(gpu, s, torch::Device("cuda:0"));
    EXPECT_EQ(got.layer_hidden_states[size_t(last)].device().str(), second);
    EXPECT_TRUE(torch::allclose(want.logits, got.logits.cpu(), 1e-3, 1e-3));
    for (size_t i = 0; i < want.layer_hidden_states.size(); ++i)
      EXPECT_TRUE(torch::allclose(want.layer_hidden_states[i], got.layer_hidden_states[i].cpu(), 1e-3, 1e-3)) << i;
    auto a = run_cached(cpu, s, torch::kCPU), b = run_cached(gpu, s, torch::Device("cuda:0"));
    for (size_t k = 0; k < a.size(); ++k) EXPECT_TRUE(torch::allclose(a[k], b[k], 1e-3, 1e-3)) << "decode step " << k;
  }
}

}  // namespace layer_placement_tests
