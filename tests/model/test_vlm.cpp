#include <gtest/gtest.h>

#include "tiny_model.h"
#include "vlsi/io/error.h"
#include "vlsi/model/init.h"
#include "vlsi/model/causal_vlm.h"
#include "vlsi/model/llava_onevision/llava_onevision_model.h"

using namespace vlsi;
using namespace vlsi::model;
using test_support::make_ids;
using test_support::tiny_config;

namespace {

// HF's init gives tiny activations; scale weights up so the tests see real nonlinearity.
CausalVlm lively_model(VlmConfig c, uint64_t seed = 1) {
  auto model = create_model(c, seed);
  torch::NoGradGuard g;
  torch::manual_seed(seed);
  for (auto& p : model->parameters()) p.add_(torch::randn_like(p) * 0.15);
  return model;
}

torch::Tensor pixels(int64_t n, int64_t seed) {
  torch::manual_seed(seed);
  return torch::randn({n, 3, 16, 16});
}

// n images of one 16x16 tile each: 16 features plus an image_newline apiece.
VisionInputs tiles(int64_t n, int64_t seed) { return VisionInputs::one_tile_each(pixels(n, seed)); }
constexpr int64_t kPerImage = 17;

llava_onevision::LlavaOnevisionForConditionalGenerationImpl& llava(CausalVlm& m) {
  auto* p = dynamic_cast<llava_onevision::LlavaOnevisionForConditionalGenerationImpl*>(m.get());
  EXPECT_NE(p, nullptr);
  return *p;
}

}  // namespace

TEST(Vlm, ParameterNamesFollowHfLegacyLayout) {
  auto model = create_model(tiny_config(), 0);
  auto params = model->named_parameters();
  for (const char* n : {"vision_tower.vision_model.embeddings.patch_embedding.weight",
                        "vision_tower.vision_model.embeddings.patch_embedding.bias",
                        "vision_tower.vision_model.embeddings.position_embedding.weight",
                        "vision_tower.vision_model.encoder.layers.1.self_attn.q_proj.bias",
                        "vision_tower.vision_model.encoder.layers.0.self_attn.out_proj.weight",
                        "vision_tower.vision_model.encoder.layers.0.layer_norm1.weight",
                        "vision_tower.vision_model.encoder.layers.0.layer_norm2.bias",
                        "vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight",
                        "vision_tower.vision_model.encoder.layers.0.mlp.fc2.bias",
                        "vision_tower.vision_model.post_layernorm.weight", "multi_modal_projector.linear_1.weight",
                        "multi_modal_projector.linear_2.bias", "language_model.model.embed_tokens.weight",
                        "language_model.model.layers.1.self_attn.k_proj.bias",
                        "language_model.model.layers.1.self_attn.o_proj.weight",
                        "language_model.model.layers.0.mlp.gate_proj.weight",
                        "language_model.model.layers.0.mlp.down_proj.weight",
                        "language_model.model.layers.0.input_layernorm.weight",
                        "language_model.model.layers.0.post_attention_layernorm.weight",
                        "language_model.model.norm.weight", "language_model.lm_head.weight"})
    EXPECT_TRUE(params.contains(n)) << n;
  EXPECT_FALSE(params.contains("language_model.model.layers.0.self_attn.o_proj.bias"));
  EXPECT_FALSE(params.contains("language_model.model.layers.0.mlp.up_proj.bias"));
  EXPECT_EQ(params["language_model.model.layers.0.self_attn.k_proj.weight"].sizes(), (std::vector<int64_t>{32, 64}));
  EXPECT_EQ(params["vision_tower.vision_model.embeddings.position_embedding.weight"].sizes(),
            (std::vector<int64_t>{16, 32}));
}

TEST(Vlm, ForwardShapesAndHeadOnLayerOutputs) {
  auto model = lively_model(tiny_config());
  const int64_t T = 24;
  auto ids = torch::stack({make_ids(T, 2, 1, kPerImage, 1), make_ids(T, 5, 1, kPerImage, 2)});
  auto out = model->forward(ids, tiles(2, 3), torch::Tensor(), {true, true});
  EXPECT_EQ(out.logits.sizes(), (std::vector<int64_t>{2, T, 96}));
  ASSERT_EQ(out.layer_hidden_states.size(), 2u);
  for (auto& h : out.layer_hidden_states) EXPECT_EQ(h.sizes(), (std::vector<int64_t>{2, T, 64}));
  // The final layer's output, through final norm + head, is exactly the logits.
  EXPECT_TRUE(torch::equal(model->logits_from_hidden(out.layer_hidden_states.back()), out.logits));
  EXPECT_TRUE(torch::equal(model->final_norm(out.layer_hidden_states.back()), out.last_hidden_state));
  EXPECT_EQ(llava(model).tile_features(pixels(3, 4)).sizes(), (std::vector<int64_t>{3, 16, 64}));
  EXPECT_TRUE(torch::isfinite(out.logits).all().item<bool>());

  auto lean = model->forward(ids, tiles(2, 3), torch::Tensor(), {false, false});
  EXPECT_FALSE(lean.logits.defined());
  EXPECT_TRUE(lean.layer_hidden_states.empty());
  EXPECT_TRUE(torch::allclose(lean.last_hidden_state, out.last_hidden_state));
}

TEST(Vlm, ImageTokenCountMismatchIsAClearError) {
  auto model = create_model(tiny_config(), 0);
  auto ids = make_ids(20, 2, 1, kPerImage, 1).unsqueeze(0);
  try {
    model->forward(ids, tiles(2, 1), torch::Tensor());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("17 image tokens (id 95) but the 2 image(s) give 34 features"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(model->forward(ids, VisionInputs(), torch::Tensor()), Error);  // image tokens, no image
  auto text_only = make_ids(20, 0, 0, kPerImage, 1).unsqueeze(0);
  EXPECT_THROW(model->forward(text_only, tiles(1, 1), torch::Tensor()), Error);  // image, no slots
  EXPECT_NO_THROW(model->forward(text_only, VisionInputs(), torch::Tensor()));
  EXPECT_THROW(model->forward(text_only + 200, VisionInputs(), torch::Tensor()), Error);  // outside vocab
  EXPECT_THROW(model->forward(ids, VisionInputs::one_tile_each(torch::randn({1, 3, 8, 8})), torch::Tensor()),
               Error);  // wrong image size
}

TEST(Vlm, ImagesLandInTheirSlotsAndAttentionIsCausal) {
  auto model = lively_model(tiny_config());
  torch::NoGradGuard g;
  auto ids = make_ids(30, 6, 1, kPerImage, 1).unsqueeze(0);  // image tokens at 6..22
  auto a = model->forward(ids, tiles(1, 1), torch::Tensor()).logits;
  auto b = model->forward(ids, tiles(1, 2), torch::Tensor()).logits;
  auto diff = (a - b).abs().amax({0, 2});
  for (int64_t t = 0; t < 6; ++t) EXPECT_EQ(diff[t].item<float>(), 0.0f) << "position " << t;
  for (int64_t t = 6; t < 30; ++t) EXPECT_GT(diff[t].item<float>(), 1e-4f) << "position " << t;
  // Two images fill two runs in order: swapping the images changes both runs.
  auto ids2 = make_ids(40, 2, 2, kPerImage, 1).unsqueeze(0);
  auto px = pixels(2, 5);
  auto e1 = model->input_embeddings(ids2, VisionInputs::one_tile_each(px));
  auto feats = llava(model).tile_features(px);
  const auto& newline = llava(model).image_newline;
  EXPECT_TRUE(torch::equal(e1[0].slice(0, 2, 18), feats[0]));
  EXPECT_TRUE(torch::equal(e1[0][18], newline));
  EXPECT_TRUE(torch::equal(e1[0].slice(0, 19, 35), feats[1]));
  EXPECT_TRUE(torch::equal(e1[0][35], newline));
}

TEST(Vlm, LeftPaddingGivesTheSameLogitsForRealTokens) {
  auto model = lively_model(tiny_config());
  torch::NoGradGuard g;
  const int64_t T = 28, pad = 5;
  auto long_ids = make_ids(T, 3, 1, kPerImage, 1);
  auto short_ids = make_ids(T - pad, 2, 1, kPerImage, 2);
  auto px = tiles(2, 7);
  // Batched: row 1 left-padded by `pad` (pad id 0) with mask 0.
  auto padded = torch::cat({torch::zeros({pad}, torch::kLong), short_ids});
  auto ids = torch::stack({long_ids, padded});
  auto mask = torch::ones({2, T}, torch::kLong);
  mask[1].slice(0, 0, pad).zero_();
  auto batch = model->forward(ids, px, mask, {true, true});
  auto alone0 = model->forward(long_ids.unsqueeze(0), px.slice(0, 1), torch::Tensor(), {true, true});
  auto alone1 = model->forward(short_ids.unsqueeze(0), px.slice(1, 1), torch::Tensor(), {true, true});
  EXPECT_TRUE(torch::allclose(batch.logits[0], alone0.logits[0], 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(batch.logits[1].slice(0, pad), alone1.logits[0], 1e-5, 1e-5))
      << (batch.logits[1].slice(0, pad) - alone1.logits[0]).abs().max();
  for (size_t l = 0; l < 2; ++l)
    EXPECT_TRUE(torch::allclose(batch.layer_hidden_states[l][1].slice(0, pad), alone1.layer_hidden_states[l][0], 1e-5, 1e-5));
  EXPECT_TRUE(torch::isfinite(batch.logits).all().item<bool>());  // padded rows stay finite
  // Right padding too: real tokens never see what follows them.
  auto right = torch::cat({short_ids, torch::zeros({pad}, torch::kLong)}).unsqueeze(0);
  auto rmask = torch::ones({1, T}, torch::kLong);
  rmask[0].slice(0, T - pad).zero_();
  auto r = model->forward(right, px.slice(1, 1), rmask);
  EXPECT_TRUE(torch::allclose(r.logits[0].slice(0, 0, T - pad), alone1.logits[0], 1e-5, 1e-5));
}

TEST(Vlm, FeatureLayerSelectionFollowsHfHiddenStates) {
  VlmConfig c = tiny_config();
  auto model = lively_model(c);
  torch::NoGradGuard g;
  auto px = pixels(2, 9);
  auto& vt = llava(model).vision_tower->vision_model;
  auto h = vt->embeddings->forward(px);
  auto embeddings = h;
  for (auto& layer : vt->encoder->layer_list) h = layer->forward(h);
  // -1 = output of the last layer, WITHOUT post_layernorm.
  EXPECT_TRUE(torch::allclose(llava(model).tile_features(px), llava(model).multi_modal_projector->forward(h), 1e-6, 1e-6));
  EXPECT_FALSE(torch::allclose(llava(model).tile_features(px),
                               llava(model).multi_modal_projector->forward(vt->post_layernorm->forward(h)), 1e-3, 1e-3));
  EXPECT_TRUE(torch::allclose(vt->forward(px), vt->post_layernorm->forward(h)));
  // 0 = the embeddings; "default" strategy drops the first token.
  c.vision_feature_layer = 0;
  c.vision_feature_select_strategy = "default";
  CausalVlm m0 = create_model(c, 0);
  for (auto& p : m0->named_parameters()) p.value().set_data(model->named_parameters()[p.key()].clone());
  EXPECT_TRUE(torch::allclose(llava(m0).tile_features(px), llava(model).multi_modal_projector->forward(embeddings.slice(1, 1)),
                              1e-6, 1e-6));
}

TEST(Vlm, PartsFreezeSeparatelyAndCountsAddUp) {
  auto model = lively_model(tiny_config());
  int64_t sum = 0;
  for (Part p : all_parts()) {
    EXPECT_GT(model->parameter_count(p), 0) << part_name(p);
    sum += model->parameter_count(p);
    EXPECT_EQ(part_from_name(part_name(p)), p);
  }
  EXPECT_EQ(sum, model->parameter_count());
  EXPECT_EQ(model->parameter_count(Part::Head), 96 * 64);
  EXPECT_EQ(model->parameter_count(Part::Embeddings), 96 * 64);
  EXPECT_THROW(part_from_name("decoder"), Error);

  model->set_trainable(Part::Vision, false);
  model->set_trainable(Part::Embeddings, false);
  for (auto& p : model->named_parameters()) {
    Part part = model->part_of_parameter(p.key());
    EXPECT_EQ(p.value().requires_grad(), part != Part::Vision && part != Part::Embeddings) << p.key();
  }
  auto ids = make_ids(24, 2, 1, kPerImage, 1).unsqueeze(0);
  model->forward(ids, tiles(1, 1), torch::Tensor()).logits.sum().backward();
  for (auto& p : model->parameters_of(Part::Vision)) EXPECT_FALSE(p.grad().defined());
  for (auto& p : model->parameters_of(Part::Projector)) EXPECT_TRUE(p.grad().defined());
  for (auto& p : model->parameters_of(Part::Head)) EXPECT_TRUE(p.grad().defined());
  model->set_trainable(Part::Vision, true);
  for (auto& p : model->parameters_of(Part::Vision)) EXPECT_TRUE(p.requires_grad());

  VlmConfig tied = tiny_config();
  tied.tie_word_embeddings = true;
  auto tm = create_model(tied, 0);
  EXPECT_EQ(tm->parameter_count(Part::Head), 0);
  EXPECT_TRUE(tm->lm_head_weight().is_same(llava(tm).language_model->model->embed_tokens->weight));
}

TEST(Vlm, GradientsReachEveryPart) {
  auto model = lively_model(tiny_config());
  auto ids = make_ids(24, 2, 1, kPerImage, 1).unsqueeze(0);
  auto out = model->forward(ids, tiles(1, 1), torch::Tensor(), {true, true});
  (out.logits.pow(2).mean() + out.layer_hidden_states[0].mean()).backward();
  for (auto& p : model->named_parameters()) {
    if (p.key().find("post_layernorm") != std::string::npos) {
      EXPECT_FALSE(p.value().grad().defined()) << "LLaVA never applies the vision post norm";
      continue;
    }
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  }
}
