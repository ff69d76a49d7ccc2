// BPE trainer: exact merges on a toy corpus, determinism, vocabulary layout,
// errors, and speed on a few MB. (Agreement with the `tokenizers` reference on trained
// tokenizers is in test_tokenizer_reference.cpp.)
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "test_corpus.h"
#include "vlsi/io/error.h"
#include "vlsi/text/bpe_trainer.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::text {
namespace {

using nlohmann::json;

json train(const std::vector<std::string>& texts, int64_t vocab, std::vector<std::string> specials = {}, int64_t min_freq = 2) {
  BpeTrainerOptions o;
  o.vocab_size = vocab;
  o.special_tokens = std::move(specials);
  o.min_frequency = min_freq;
  BpeTrainer t(o);
  for (const auto& s : texts) t.add_text(s);
  return t.train();
}

TEST(BpeTrainer, LearnsTheMostFrequentPairsWithTheStatedTieBreak) {
  // Pieces: "aab", " aab" x2, " ab" x2, " cd" x3 (the regex keeps the space).
  // Counts: (a,b)=5 first. Then (a,ab), (Ġ,c) and (c,d) all have 3: the
  // smallest (left id, right id) wins, (Ġ=32, c=99). Then (a=97, ab=256)
  // beats (Ġc=257, d).
  json j = train({"aab aab aab ab ab cd cd cd"}, 259);
  auto merges = j["model"]["merges"];
  ASSERT_EQ(merges.size(), 3u);
  EXPECT_EQ(merges[0], json::array({"a", "b"}));
  EXPECT_EQ(merges[1], json::array({"\xC4\xA0", "c"}));
  EXPECT_EQ(merges[2], json::array({"a", "ab"}));
  EXPECT_EQ(j["model"]["vocab"]["ab"], 256);
  EXPECT_EQ(j["model"]["vocab"]["\xC4\xA0" "c"], 257);
  EXPECT_EQ(j["model"]["vocab"]["aab"], 258);
  // Layout: bytes at their own ids.
  EXPECT_EQ(j["model"]["vocab"]["a"], 'a');
  EXPECT_EQ(j["model"]["vocab"]["\xC4\xA0"], ' ');
}

TEST(BpeTrainer, IsDeterministicAndOrderIndependent) {
  auto corpus = testing::build_corpus(1500, 42);
  json a = train(corpus, 1200, {"<|im_end|>"});
  json b = train(corpus, 1200, {"<|im_end|>"});
  std::reverse(corpus.begin(), corpus.end());
  json c = train(corpus, 1200, {"<|im_end|>"});
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
}

TEST(BpeTrainer, FillsTheVocabularyAndAppendsSpecials) {
  auto corpus = testing::build_corpus(1500, 1);
  json j = train(corpus, 1000, {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>"});
  Tokenizer tok = Tokenizer::from_json(j, "trained");
  EXPECT_EQ(tok.vocab_size(), 1000);
  EXPECT_EQ(j["model"]["vocab"].size(), 996u);
  EXPECT_EQ(tok.id_to_token(996), "<|endoftext|>");
  EXPECT_EQ(tok.id_to_token(999), "<image>");
  for (int64_t id = 996; id < 1000; ++id) EXPECT_TRUE(tok.is_special(id));
  // Special tokens in the training text are never learned as merges.
  for (const auto& [tok_str, id] : j["model"]["vocab"].items()) EXPECT_EQ(tok_str.find("im_start"), std::string::npos);
  // Frequent words become single tokens.
  EXPECT_EQ(tok.encode("the").size(), 1u);
  EXPECT_EQ(tok.encode("<image>"), std::vector<int64_t>{999});
}

TEST(BpeTrainer, StopsWhenPairsAreTooRare) {
  json j = train({"abc"}, 5000);  // every pair occurs once, below min_frequency 2
  EXPECT_EQ(j["model"]["merges"].size(), 0u);
  EXPECT_EQ(j["model"]["vocab"].size(), 256u);
  json k = train({"abc"}, 5000, {}, 1);
  EXPECT_EQ(k["model"]["merges"].size(), 2u);
}

TEST(BpeTrainer, RejectsBadOptions) {
  BpeTrainerOptions o;
  o.vocab_size = 257;
  o.special_tokens = {"<a>", "<b>"};
  EXPECT_THROW(BpeTrainer{o}, Error);
  o.vocab_size = 1000;
  o.special_tokens = {"<a>", "<a>"};
  EXPECT_THROW(BpeTrainer{o}, Error);
  o.special_tokens = {""};
  EXPECT_THROW(BpeTrainer{o}, Error);
}

TEST(BpeTrainer, TrainsOnSeveralMegabytesInSeconds) {
  // ~4 MB of Zipf-distributed made-up words (syllables in Latin, Cyrillic
  // and Hangul), numbers and punctuation: a realistic number of distinct words.
  std::mt19937 rng(5);
  const std::vector<std::string> onsets = {"b", "k", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t", "v", "st", "tr",
                                           "\u0431", "\u043a", "\u043c", "\u043f", "\uac00", "\ub098", "\ub2e4", "\ub9c8"};
  const std::vector<std::string> nuclei = {"a", "e", "i", "o", "u", "ai", "\u0430", "\u043e", "\u0443"};
  std::vector<std::string> words;
  for (int k = 0; k < 60000; ++k) {
    std::string w;
    int syllables = 1 + static_cast<int>(rng() % 4);
    for (int p = 0; p < syllables; ++p) w += onsets[rng() % onsets.size()] + nuclei[rng() % nuclei.size()];
    if (rng() % 10 == 0) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
    words.push_back(w);
  }
  std::vector<std::string> texts;
  size_t bytes = 0;
  while (bytes < 4u << 20) {
    std::string line;
    for (int k = 0; k < 30; ++k) {
      double u = std::uniform_real_distribution<double>(0, 1)(rng);
      line += words[static_cast<size_t>(std::pow(words.size(), u)) - 1];  // Zipf-like
      line += rng() % 8 == 0 ? ", " : rng() % 20 == 0 ? std::to_string(rng() % 10000) + ". " : " ";
    }
    bytes += line.size();
    texts.push_back(line + "\n");
  }
  auto t0 = std::chrono::steady_clock::now();
  json j = train(texts, 8000, {"<|endoftext|>"});
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("trained an 8000-token vocabulary on %.1f MB in %.2f s\n", bytes / 1048576.0, secs);
  EXPECT_EQ(j["model"]["vocab"].size(), 7999u);
  EXPECT_LT(secs, 30.0);
}

}  // namespace
}  // namespace vlsi::text
