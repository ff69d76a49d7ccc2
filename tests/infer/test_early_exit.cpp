#include <gtest/gtest.h>
#include <set>

#include "infer_fixture.h"
#include "vlsi/io/error.h"
#include "vlsi/infer/generate.h"
#include "vlsi/model/attention.h"

using namespace vlsi;
using namespace vlsi::infer;
using namespace vlsi::infer::testing;

namespace {

// Reference early exit: the full training forward at every step, reading the
// hidden state of decoder layer `layer` (0-based) at the last position.
std::vector<int64_t> reference_exit(model::CausalVlm& m, std::vector<int64_t> seq,
                                    const model::VisionInputs& pixels, int64_t layer, const HiddenHead& head, int steps) {
  torch::NoGradGuard g;
  std::vector<int64_t> out;
  model::ForwardOptions fo;
  fo.output_layer_hidden_states = true;
  for (int s = 0; s < steps; ++s) {
    auto o = m->forward(torch::tensor(seq, torch::kLong).unsqueeze(0), pixels, {}, fo);
    auto h = o.layer_hidden_states[size_t(layer)].select(1, -1);
    int64_t tok = head(h).argmax(-1).item<int64_t>();
    out.push_back(tok);
    seq.push_back(tok);
  }
  return out;
}

}  // namespace

TEST(EarlyExit, EachLayerMatchesTheFullForwardsHiddenState) {
  auto m = tiny_model();
  auto b = prompt_batch(m->config().single_tile_image_tokens());
  // A head that is not the model's own: a fixed random projection after the final norm.
  torch::manual_seed(4);
  auto proj = torch::randn({m->config().text_config.hidden_size, m->config().text_config.vocab_size});
  HiddenHead head = [&](const torch::Tensor& h) { return torch::matmul(m->final_norm(h), proj); };
  std::set<std::vector<int64_t>> distinct;
  for (int64_t layer = 0; layer < 3; ++layer) {
    GenerationOptions o;
    o.max_new_tokens = 6;
    o.exit = {layer + 1, head};
    auto cached = generate(m, {b.prompts[2]}, b.images.slice(1, 1), o)[0].tokens;
    o.use_cache = false;
    auto plain = generate(m, {b.prompts[2]}, b.images.slice(1, 1), o)[0].tokens;
    auto ref = reference_exit(m, b.prompts[2], b.images.slice(1, 1), layer, head, 6);
    EXPECT_EQ(cached, ref) << "layer " << layer;
    EXPECT_EQ(plain, ref) << "layer " << layer;
    distinct.insert(ref);
  }
  EXPECT_GT(distinct.size(), 1u) << "layers should say different things, or the test cannot tell them apart";
}

TEST(EarlyExit, LastLayerWithTheModelsOwnHeadIsOrdinaryDecoding) {
  auto m = tiny_model();
  auto b = prompt_batch(m->config().single_tile_image_tokens());
  GenerationOptions o;
  o.max_new_tokens = 8;
  auto normal = tokens_of(generate(m, b.prompts, b.images, o));
  // An identity verbalizer at the last layer: hidden -> final norm -> LM head.
  o.exit = {m->config().text_config.num_hidden_layers, [&](const torch::Tensor& h) { return m->logits_from_hidden(h); }};
  EXPECT_EQ(tokens_of(generate(m, b.prompts, b.images, o)), normal);
  o.exit.layers = 1;
  EXPECT_NE(tokens_of(generate(m, b.prompts, b.images, o)), normal);
  o.exit.layers = 4;
  EXPECT_THROW(generate(m, b.prompts, b.images, o), vlsi::Error);
}

TEST(KvCache, PositionsSkipLeftPaddingLikeTheUncachedMask) {
  model::KvCache cache(1, 6);
  auto mask = torch::tensor({0, 0, 1, 1, 1, 1, 1, 1}, torch::kLong).view({2, 4});
  auto pos = cache.begin_step(mask);
  EXPECT_TRUE(torch::equal(pos, model::position_ids_from_mask(mask)));
  auto k = torch::randn({2, 1, 4, 2});
  auto [kk, vv] = cache.append(0, k, k * 2);
  EXPECT_TRUE(torch::equal(kk, k));
  cache.end_step();
  auto step = cache.begin_step(torch::ones({2, 1}, torch::kLong));
  auto grown = torch::cat({mask, torch::ones({2, 1}, torch::kLong)}, 1);
  EXPECT_TRUE(torch::equal(step, model::position_ids_from_mask(grown).narrow(1, 4, 1)));
  EXPECT_TRUE(torch::equal(cache.key_mask(), grown));
  auto k1 = torch::randn({2, 1, 1, 2});
  auto [k5, v5] = cache.append(0, k1, k1);
  EXPECT_EQ(k5.size(2), 5);
  EXPECT_TRUE(torch::equal(k5.narrow(2, 4, 1), k1));
  EXPECT_TRUE(torch::equal(v5.narrow(2, 0, 4), k * 2));
  cache.end_step();
  // Rows follow select_rows (beam search): row 1 twice.
  cache.select_rows(torch::tensor({1, 1}, torch::kLong));
  EXPECT_TRUE(torch::equal(cache.key_mask(), grown.narrow(0, 1, 1).repeat({2, 1})));
  EXPECT_EQ(cache.begin_step(torch::ones({2, 1}, torch::kLong)).view(-1)[0].item<int64_t>(), 5);
  EXPECT_THROW(cache.begin_step(torch::ones({2, 1}, torch::kLong)), vlsi::Error);  // step already begun
}
