#include <gtest/gtest.h>

#include <cmath>

#include "infer_fixture.h"
#include "vlsi/io/error.h"
#include "vlsi/infer/generate.h"
#include "vlsi/infer/step_model.h"

using namespace vlsi;
using namespace vlsi::infer;
using namespace vlsi::infer::testing;

namespace {

std::vector<Generation> run(model::CausalVlm& m, const PromptBatch& b, GenerationOptions o) {
  return generate(m, b.prompts, b.images, o);
}

GenerationOptions greedy_options(int64_t max_new, bool cache = true) {
  GenerationOptions o;
  o.max_new_tokens = max_new;
  o.use_cache = cache;
  return o;
}

}  // namespace

TEST(CachedDecoding, LogitsMatchTheUncachedForwardStepByStep) {
  auto m = tiny_model();
  auto b = prompt_batch(m->config().single_tile_image_tokens());
  auto [ids, mask] = left_pad(b.prompts, 0);
  torch::NoGradGuard g;
  auto cached = make_step_model(m, {}, true, 8);
  auto plain = make_step_model(m, {}, false, 8);
  auto lc = cached->prefill(ids, mask, b.images);
  auto lu = plain->prefill(ids, mask, b.images);
  ASSERT_EQ(lc.sizes(), (std::vector<int64_t>{3, m->config().text_config.vocab_size}));
  EXPECT_TRUE(torch::allclose(lc, lu, 1e-4, 1e-4)) << (lc - lu).abs().max();
  for (int step = 0; step < 6; ++step) {
    auto next = lu.argmax(-1);
    lc = cached->step(next);
    lu = plain->step(next);
    EXPECT_TRUE(torch::allclose(lc, lu, 1e-4, 1e-4)) << "step " << step << ": " << (lc - lu).abs().max();
  }
}

TEST(CachedDecoding, GreedyTokensEqualUncachedForMixedLengthBatchWithImages) {
  auto m = tiny_model();
  auto b = prompt_batch(m->config().single_tile_image_tokens());
  ASSERT_NE(b.prompts[0].size(), b.prompts[2].size());
  auto cached = tokens_of(run(m, b, greedy_options(12, true)));
  auto plain = tokens_of(run(m, b, greedy_options(12, false)));
  EXPECT_EQ(cached, plain);
  for (const auto& t : cached) EXPECT_EQ(t.size(), 12u);
  // Left padding must not change a sample's answer: each prompt alone decodes the same.
  for (size_t i = 0; i < b.prompts.size(); ++i) {
    model::VisionInputs pix = i == 0 ? model::VisionInputs() : b.images.slice(int64_t(i) - 1, 1);
    auto alone = generate(m, {b.prompts[i]}, pix, greedy_options(12, true));
    EXPECT_EQ(alone[0].tokens, cached[i]) << "prompt " << i;
  }
}

TEST(CachedDecoding, StopIdsEndEachSampleAndAreNotReturned) {
  auto m = tiny_model();
  auto b = prompt_batch(m->config().single_tile_image_tokens());
  auto full = tokens_of(run(m, b, greedy_options(10)));
  auto o = greedy_options(10);
  o.stop_ids = {full[1][3]};  // sample 1 stops at its 4th token
  auto out = run(m, b, o);
  EXPECT_EQ(out[1].finish, FinishReason::StopToken);
  size_t first = std::find(full[1].begin(), full[1].end(), o.stop_ids[0]) - full[1].begin();
  EXPECT_EQ(out[1].tokens, std::vector<int64_t>(full[1].begin(), full[1].begin() + first));
  for (size_t i = 0; i < 3; ++i) {
    auto it = std::find(full[i].begin(), full[i].end(), o.stop_ids[0]);
    EXPECT_EQ(out[i].tokens, std::vector<int64_t>(full[i].begin(), it)) << "sample " << i;
    EXPECT_EQ(out[i].finish, it == full[i].end() ? FinishReason::Length : FinishReason::StopToken);
  }
}

TEST(CachedDecoding, StopStringCutsTextAndStopsGeneration) {
  auto m = tiny_model();
  auto b = prompt_batch(m->config().single_tile_image_tokens());
  auto o = greedy_options(12);
  o.tokenizer = &tokenizer();
  auto full = run(m, b, o);
  // A stop string taken from the middle of sample 2's text.
  const std::string& t = full[2].text;
  ASSERT_GE(t.size(), 6u) << t;
  std::string stop = t.substr(t.size() / 2, 2);
  o.stop_strings = {stop};
  std::vector<std::string> streamed(3);
  o.on_text = [&](size_t s, const std::string& piece) { streamed[s] += piece; };
  auto out = run(m, b, o);
  for (size_t i = 0; i < 3; ++i) {
    size_t at = full[i].text.find(stop);
    if (at == std::string::npos) {
      EXPECT_EQ(out[i].text, full[i].text);
      continue;
    }
    EXPECT_EQ(out[i].finish, FinishReason::StopString) << i;
    EXPECT_EQ(out[i].text, full[i].text.substr(0, at)) << i;
    EXPECT_EQ(streamed[i], out[i].text) << "the stream must never show the stop string, sample " << i;
    // The returned tokens are greedy's up to the one that completed the stop string.
    const auto& tk = out[i].tokens;
    ASSERT_FALSE(tk.empty());
    EXPECT_EQ(tk, std::vector<int64_t>(full[i].tokens.begin(), full[i].tokens.begin() + tk.size()));
    EXPECT_NE(tokenizer().decode(tk, true).find(stop), std::string::npos);
    EXPECT_EQ(tokenizer().decode({tk.begin(), tk.end() - 1}, true).find(stop), std::string::npos);
  }
}

TEST(Sampling, ReproducibleBySeedAndTopKOneIsGreedy) {
  auto m = tiny_model();
  auto b = prompt_batch(m->config().single_tile_image_tokens());
  auto o = greedy_options(10);
  o.sampling.temperature = 1.3;
  o.sampling.seed = 5;
  auto a1 = tokens_of(run(m, b, o));
  auto a2 = tokens_of(run(m, b, o));
  EXPECT_EQ(a1, a2);
  o.sampling.seed = 6;
  EXPECT_NE(tokens_of(run(m, b, o)), a1);
  o.sampling.top_k = 1;
  EXPECT_EQ(tokens_of(run(m, b, o)), tokens_of(run(m, b, greedy_options(10))));
  // Cached and uncached sampling draw the same tokens from the same seed.
  o.sampling.top_k = 0;
  o.sampling.top_p = 0.9;
  auto c = tokens_of(run(m, b, o));
  o.use_cache = false;
  EXPECT_EQ(tokens_of(run(m, b, o)), c);
}

TEST(Sampling, TopKAndTopPRestrictTheDraws) {
  // Probabilities 0.4, 0.3, 0.2, 0.1 over ids 3, 1, 0, 2.
  auto logits = torch::log(torch::tensor({0.2, 0.3, 0.1, 0.4})).to(torch::kFloat).unsqueeze(0).repeat({400, 1});
  auto draw = [&](SamplingOptions so) {
    TokenSampler s(so);
    return s.choose(logits);
  };
  SamplingOptions so;
  so.temperature = 1.0;
  so.seed = 3;
  auto all = draw(so);
  EXPECT_EQ(torch::bincount(all, {}, 4).min().item<int64_t>() > 0, true) << "every token is drawn sometimes";
  so.top_k = 2;
  auto k2 = draw(so);
  EXPECT_TRUE(((k2 == 3) | (k2 == 1)).all().item<bool>());
  EXPECT_TRUE((k2 == 1).any().item<bool>());
  so.top_k = 0;
  so.top_p = 0.5;  // 0.4 alone does not reach 0.5, 0.4 + 0.3 does
  auto p = draw(so);
  EXPECT_TRUE(((p == 3) | (p == 1)).all().item<bool>());
  EXPECT_TRUE((p == 1).any().item<bool>());
  so.top_p = 0.3;
  EXPECT_TRUE((draw(so) == 3).all().item<bool>());
  so.top_p = 0.0;
  EXPECT_THROW(TokenSampler{so}, vlsi::Error);
}

TEST(BeamSearch, OneBeamIsGreedyWithStopIds) {
  auto m = tiny_model();
  auto b = prompt_batch(m->config().single_tile_image_tokens());
  auto g = greedy_options(10);
  g.stop_ids = {tokens_of(run(m, b, greedy_options(10)))[0][4]};
  auto o = g;
  o.num_beams = 1;
  o.length_penalty = 1.0;
  auto greedy_out = run(m, b, g);
  ASSERT_EQ(greedy_out[0].finish, FinishReason::StopToken);
  auto greedy = tokens_of(greedy_out);
  torch::NoGradGuard no_grad;
  auto beam = tokens_of(beam_search(*make_step_model(m, {}, true, 10), left_pad(b.prompts, 0).first,
                                    left_pad(b.prompts, 0).second, b.images, o));
  EXPECT_EQ(beam, greedy);
}

TEST(BeamSearch, ExhaustiveWhenBeamsCoverTheVocabulary) {
  // With as many beams as tokens and 2 new tokens, beam search (length penalty
  // 0: plain sum of log-probabilities) must find the best of all V^2 answers.
  auto m = tiny_model();
  std::vector<int64_t> prompt = tokenizer().encode("How many circles?");
  const int64_t V = m->config().text_config.vocab_size;
  GenerationOptions o;
  o.max_new_tokens = 2;
  o.num_beams = V;
  o.length_penalty = 0.0;
  auto beam = generate(m, {prompt}, {}, o)[0];
  ASSERT_EQ(beam.tokens.size(), 2u);

  torch::NoGradGuard g;
  auto ids = torch::tensor(prompt, torch::kLong).unsqueeze(0);
  auto first = torch::log_softmax(m->forward(ids, {}, {}).logits.select(1, -1).squeeze(0), -1);  // [V]
  // Through the decoder directly: the second token may be the image token id.
  auto two = torch::cat({ids.repeat({V, 1}), torch::arange(V, torch::kLong).unsqueeze(1)}, 1);
  auto last = m->decode(m->embed_tokens(two), {}, false).last_hidden_state.select(1, -1);
  auto second = torch::log_softmax(m->logits_from_hidden(last), -1);  // [V, V]
  auto total = (first.unsqueeze(1) + second).flatten();
  int64_t best = total.argmax().item<int64_t>();
  EXPECT_EQ(beam.tokens, (std::vector<int64_t>{best / V, best % V}));
  EXPECT_NEAR(beam.score, total[best].item<double>(), 1e-4);
}

TEST(BeamSearch, CachedEqualsUncachedAndScoreIsTheSequenceLogProb) {
  auto m = tiny_model();
  auto b = prompt_batch(m->config().single_tile_image_tokens());
  auto o = greedy_options(6);
  o.num_beams = 4;
  o.length_penalty = 1.0;
  auto cached = run(m, b, o);
  o.use_cache = false;
  auto plain = run(m, b, o);
  EXPECT_EQ(tokens_of(cached), tokens_of(plain));
  // Re-score sample 1's answer with the plain forward: mean log-probability per token.
  torch::NoGradGuard g;
  std::vector<int64_t> seq = b.prompts[1];
  seq.insert(seq.end(), cached[1].tokens.begin(), cached[1].tokens.end());
  auto ids = torch::tensor(seq, torch::kLong).unsqueeze(0);
  auto logp = torch::log_softmax(m->forward(ids, b.images.slice(0, 1), {}).logits.squeeze(0), -1);
  double sum = 0;
  const size_t p = b.prompts[1].size();
  for (size_t k = 0; k < cached[1].tokens.size(); ++k) sum += logp[int64_t(p + k - 1)][cached[1].tokens[k]].item<double>();
  EXPECT_NEAR(cached[1].score, sum / double(cached[1].tokens.size()), 1e-4);
  EXPECT_EQ(cached[1].finish, FinishReason::Length);  // no stop ids: every beam runs to the limit
}
