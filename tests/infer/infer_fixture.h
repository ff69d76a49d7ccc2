#pragma once
// A tiny random VLM whose vocabulary is the tiny test tokenizer's, plus a
// left-padded-to-be batch of prompts of different lengths, some with images.
#include <gtest/gtest.h>

#include <vector>

#include "../data/tiny_tokenizer.h"
#include "../model/tiny_model.h"
#include "vlsi/infer/generate.h"
#include "vlsi/model/init.h"

namespace vlsi::infer::testing {

inline const text::Tokenizer& tokenizer() {
  static const text::Tokenizer tok = data::testing::tiny_tokenizer();
  return tok;
}

inline int64_t image_token() { return *tokenizer().token_to_id("<image>"); }

// 3 text layers; weights pushed away from HF's tiny init so logits are far
// from uniform (no near-ties that rounding could flip between code paths).
inline model::CausalVlm tiny_model(uint64_t seed = 1) {
  auto c = model::test_support::tiny_config();
  c.text_config.vocab_size = tokenizer().vocab_size();
  c.text_config.num_hidden_layers = 3;
  c.image_token_index = image_token();
  auto m = model::create_model(c, seed);
  torch::NoGradGuard g;
  torch::manual_seed(seed);
  for (auto& p : m->parameters()) p.add_(torch::randn_like(p) * 0.15);
  m->eval();
  return m;
}

struct PromptBatch {
  std::vector<std::vector<int64_t>> prompts;
  model::VisionInputs images;  // one 16x16 single-tile image per prompt that has one
};

// Three prompts of 5, 23 and 40 tokens; the second and third carry an image
// (one tile each: its features plus an image_newline), so the batch is left-padded and mixes both kinds.
inline PromptBatch prompt_batch(int64_t per_image) {
  const auto& tok = tokenizer();
  auto text = [&](const char* s) { return tok.encode(s); };
  PromptBatch b;
  b.prompts.push_back(text("What colour is it?"));
  for (const char* q : {"How many circles?", "Is the red square left of the blue circle? Answer with one word."}) {
    std::vector<int64_t> ids = text("<|im_start|>user\n");
    ids.insert(ids.end(), size_t(per_image), image_token());
    auto rest = text(q);
    ids.insert(ids.end(), rest.begin(), rest.end());
    b.prompts.push_back(ids);
  }
  torch::manual_seed(11);
  b.images = model::VisionInputs::one_tile_each(torch::randn({2, 3, 16, 16}));
  return b;
}

inline std::vector<std::vector<int64_t>> tokens_of(const std::vector<Generation>& gs) {
  std::vector<std::vector<int64_t>> out;
  for (const auto& g : gs) out.push_back(g.tokens);
  return out;
}

}  // namespace vlsi::infer::testing
