// Generation may not run past the model's context, take unbounded beams or
// turn NaN weights into confident garbage.
#include <gtest/gtest.h>

#include "../support/error_message.h"
#include "infer_fixture.h"

using namespace vlsi;
using namespace vlsi::infer;
using namespace vlsi::infer::testing;
using vlsi::test_messages::expect_one_line_error;

namespace {

model::CausalVlm model_with_context(int64_t context) {
  auto c = model::test_support::tiny_config();
  c.text_config.vocab_size = tokenizer().vocab_size();
  c.text_config.max_position_embeddings = context;
  c.image_token_index = image_token();
  auto m = model::create_model(c, 1);
  m->eval();
  return m;
}

}  // namespace

TEST(GenerationBounds, DecodingStopsAtTheContext) {
  auto m = model_with_context(32);
  const std::vector<int64_t> prompt = tokenizer().encode("What colour is it?");
  ASSERT_LT(prompt.size(), 32u);
  GenerationOptions o;
  o.max_new_tokens = 1000000;  // once sized the KV cache: 10^6 positions per layer
  for (int64_t beams : {1, 2}) {
    o.num_beams = beams;
    auto g = generate(m, {prompt}, {}, o).at(0);
    EXPECT_LE(prompt.size() + g.tokens.size(), 32u) << beams << " beam(s)";
    if (beams == 1) {
      EXPECT_EQ(prompt.size() + g.tokens.size(), 32u);
      EXPECT_EQ(g.finish, FinishReason::Length);
    }
  }
}

TEST(GenerationBounds, PromptFillingTheContextIsRefused) {
  auto m = model_with_context(8);
  GenerationOptions o;
  std::vector<int64_t> prompt(8, 5);
  expect_one_line_error([&] { generate(m, {prompt}, {}, o); },
                        "generation: the prompt has 8 tokens, leaving no room in the model's context of 8 tokens "
                        "(max_position_embeddings)");
}

TEST(GenerationBounds, BeamsAreBounded) {
  GenerationOptions o;
  o.num_beams = 100000;
  expect_one_line_error([&] { o.validate(); },
                        "generation: --beams 100000 is too many (limit 1024; raise it with VLSI_MAX_BEAMS=N)");
  o.num_beams = 1024;
  o.validate();
}

TEST(GenerationBounds, NonFiniteWeightsFailInsteadOfDecodingGarbage) {
  auto m = model_with_context(64);
  {
    torch::NoGradGuard g;
    // One NaN in the final norm: every logit of that row turns NaN.
    m->named_parameters()["language_model.model.norm.weight"][0] = std::numeric_limits<float>::quiet_NaN();
  }
  const std::vector<int64_t> prompt = tokenizer().encode("What colour is it?");
  for (int64_t beams : {1, 3}) {
    GenerationOptions o;
    o.max_new_tokens = 4;
    o.num_beams = beams;
    expect_one_line_error([&] { generate(m, {prompt}, {}, o); }, "generation: the model's logits contain NaN or Inf");
  }
}
