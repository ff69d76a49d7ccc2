// Tokenizer behaviour that needs no reference: small hand-made vocabularies,
// error messages, save/load, parse_special, decoding, thread safety.
#include <gtest/gtest.h>

#include <thread>

#include "reference_support.h"
#include "test_corpus.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/text/bpe_trainer.h"
#include "vlsi/text/byte_level.h"
#include "vlsi/text/pre_tokenizer.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::text {
namespace {

using nlohmann::json;

// A byte-level BPE with all 256 bytes plus a few merges, written by hand.
json tiny_tokenizer(bool pair_form) {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) vocab[bytes_to_byte_level(std::string(1, static_cast<char>(b)))] = b;
  std::vector<std::pair<std::string, std::string>> merges = {{"l", "o"}, {"lo", "w"}, {"e", "r"}, {"\xC4\xA0", "low"}, {"low", "er"}};
  json m = json::array();
  int64_t id = 256;
  for (auto& [a, b] : merges) {
    m.push_back(pair_form ? json::array({a, b}) : json(a + " " + b));
    vocab[a + b] = id++;
  }
  json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", json::array({{{"id", 300}, {"content", "<|end|>"}, {"special", true}, {"normalized", false}},
                                        {{"id", 301}, {"content", "<tool>"}, {"special", false}, {"normalized", false}}})},
          {"normalizer", {{"type", "NFC"}}},
          {"pre_tokenizer", qwen2_pre_tokenizer_config()},
          {"post_processor", byte_level},
          {"decoder", byte_level},
          {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", m}, {"ignore_merges", false}}}};
}

TEST(Tokenizer, AppliesMergesInRankOrder) {
  for (bool pair_form : {false, true}) {
    Tokenizer tok = Tokenizer::from_json(tiny_tokenizer(pair_form), "tiny.json");
    EXPECT_EQ(tok.vocab_size(), 302);
    auto low = *tok.token_to_id("low");
    auto space_low = *tok.token_to_id("\xC4\xA0low");
    auto er = *tok.token_to_id("er");
    // "lower": lo, low, er, then low+er -> "lower".
    EXPECT_EQ(tok.encode("lower"), std::vector<int64_t>{*tok.token_to_id("lower")});
    EXPECT_EQ(tok.encode(" low"), std::vector<int64_t>{space_low});
    // " lower": " low" forms first (rank 3), so low+er (rank 4) cannot apply.
    EXPECT_EQ(tok.encode(" lower"), (std::vector<int64_t>{space_low, er}));
    EXPECT_EQ(tok.encode("low low"), (std::vector<int64_t>{low, space_low}));
    EXPECT_EQ(tok.encode("<|end|>x<tool>"), (std::vector<int64_t>{300, 'x', 301}));
    EXPECT_EQ(tok.decode({300, 'x', 301}), "<|end|>x<tool>");
    EXPECT_EQ(tok.decode({300, 'x', 301}, true), "x<tool>");
    EXPECT_TRUE(tok.is_special(300));
    EXPECT_FALSE(tok.is_special(301));
    EXPECT_EQ(tok.id_to_token(32), "\xC4\xA0");
  }
}

TEST(Tokenizer, IgnoreMergesTakesWholeWordsFromTheVocabulary) {
  json j = tiny_tokenizer(true);
  j["model"]["vocab"]["xyz"] = 299;
  Tokenizer plain = Tokenizer::from_json(j, "t");
  EXPECT_EQ(plain.encode("xyz"), (std::vector<int64_t>{'x', 'y', 'z'}));
  j["model"]["ignore_merges"] = true;
  Tokenizer whole = Tokenizer::from_json(j, "t");
  EXPECT_EQ(whole.encode("xyz"), std::vector<int64_t>{299});
}

TEST(Tokenizer, ParseSpecialFalseKeepsSpecialTokensAsText) {
  Tokenizer tok = Tokenizer::from_json(tiny_tokenizer(true), "tiny.json");
  auto ids = tok.encode("a<|end|>b<tool>", false);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 300), 0);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 301), 1);  // non-special added tokens still match
  EXPECT_EQ(tok.decode(ids), "a<|end|>b<tool>");
  EXPECT_EQ(tok.encode("<|end|>", false).size(), 7u);
}

TEST(Tokenizer, DecodeRepairsAndRejects) {
  Tokenizer tok = Tokenizer::from_json(tiny_tokenizer(true), "tiny.json");
  // Half of "é" (0xC3 0xA9) decodes to U+FFFD; the bytes API keeps it raw.
  EXPECT_EQ(tok.decode({0xC3}), "\xEF\xBF\xBD");
  EXPECT_EQ(tok.decode_bytes({0xC3}), "\xC3");
  EXPECT_EQ(tok.decode({0xC3, 0xA9}), "\xC3\xA9");
  EXPECT_EQ(tok.decode({}), "");
  EXPECT_THROW(tok.decode({302}), Error);
  EXPECT_THROW(tok.decode({-1}), Error);
  EXPECT_THROW(tok.id_to_token(5000), Error);
  EXPECT_FALSE(tok.token_to_id("nope").has_value());
  // Invalid input bytes encode as U+FFFD.
  EXPECT_EQ(tok.decode(tok.encode("a\xFF" "b")), "a\xEF\xBF\xBD" "b");
}

void expect_error(json j, const std::string& needle) {
  try {
    Tokenizer::from_json(j, "bad.json");
    ADD_FAILURE() << "accepted a tokenizer that should fail with: " << needle;
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("bad.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(Tokenizer, RejectsUnsupportedFeaturesNamingTheField) {
  json base = tiny_tokenizer(true);
  auto with = [&](const std::string& ptr, json v) {
    json j = base;
    j[json::json_pointer(ptr)] = v;
    return j;
  };
  expect_error(with("/model/type", "WordPiece"), "'model.type'");
  expect_error(with("/model/byte_fallback", true), "'model.byte_fallback'");
  expect_error(with("/model/dropout", 0.1), "'model.dropout'");
  expect_error(with("/model/continuing_subword_prefix", "##"), "'model.continuing_subword_prefix'");
  expect_error(with("/model/merges/2", "nospace"), "'model.merges[2]'");
  expect_error(with("/model/vocab", json::array()), "'model.vocab'");
  expect_error(with("/normalizer", {{"type", "Lowercase"}}), "'normalizer.type'");
  expect_error(with("/pre_tokenizer", {{"type", "Metaspace"}}), "'pre_tokenizer.type'");
  expect_error(with("/pre_tokenizer/pretokenizers/0/behavior", "MergedWithPrevious"), "'pre_tokenizer.pretokenizers[0].behavior'");
  expect_error(with("/pre_tokenizer/pretokenizers/0/pattern/Regex", "[a&&b]"), "'pre_tokenizer.pretokenizers[0].pattern.Regex'");
  expect_error(with("/pre_tokenizer/pretokenizers", json::array({base["pre_tokenizer"]["pretokenizers"][0]})), "ByteLevel");
  expect_error(with("/decoder", nullptr), "'decoder.type'");
  expect_error(with("/post_processor", {{"type", "TemplateProcessing"}}), "'post_processor.type'");
  expect_error(with("/truncation", {{"max_length", 8}}), "'truncation'");
  expect_error(with("/added_tokens/0/content", 5), "'added_tokens[0]'");
  json no_model = base;
  no_model.erase("model");
  expect_error(no_model, "'model'");
}

TEST(Tokenizer, RejectsMergesOutsideTheVocabularyAsTheReferenceDoes) {
  // A merge whose parts or result have no id made encoding drop the characters
  // it covered ("lo" + "w" with "low" missing: "low" encoded to nothing).
  json no_result = tiny_tokenizer(true);
  no_result["model"]["vocab"].erase("low");
  expect_error(no_result, "field 'model.merges[1]': merged token \"low\" of merge \"lo w\" is not in model.vocab");
  json no_part = tiny_tokenizer(false);
  no_part["model"]["merges"].push_back("zz q");
  no_part["model"]["vocab"]["zzq"] = 299;
  expect_error(no_part, "field 'model.merges[5]': token \"zz\" of merge \"zz q\" is not in model.vocab");
}

TEST(Tokenizer, OneHugeSparseIdIsRefusedOrCostsLittle) {
  json huge = tiny_tokenizer(true);
  huge["added_tokens"].push_back({{"id", 2147483647}, {"content", "<huge>"}, {"special", true}});
  expect_error(huge, "token id 2147483647 is beyond the vocabulary limit of 4194304 ids; raise it with VLSI_MAX_VOCAB=N");
  // Within the limit, a sparse id costs an index entry, not a string per id.
  json sparse = tiny_tokenizer(true);
  sparse["added_tokens"].push_back({{"id", 4000000}, {"content", "<far>"}, {"special", true}});
  Tokenizer tok = Tokenizer::from_json(sparse, "sparse.json");
  EXPECT_EQ(tok.vocab_size(), 4000001);
  EXPECT_EQ(tok.encode("x<far>"), (std::vector<int64_t>{'x', 4000000}));
  EXPECT_EQ(tok.decode({4000000, 'x'}), "<far>x");
  EXPECT_TRUE(tok.is_special(4000000));
  EXPECT_FALSE(tok.is_special(3999999));
  EXPECT_THROW(tok.decode({3999999}), Error);
}

TEST(Tokenizer, SaveAndReloadGiveTheSameTokenizer) {
  BpeTrainerOptions opt;
  opt.vocab_size = 600;
  opt.special_tokens = {"<|im_start|>", "<|im_end|>"};
  BpeTrainer trainer(opt);
  for (const auto& s : testing::build_corpus(500, 3)) trainer.add_text(s);
  Tokenizer tok = Tokenizer::from_json(trainer.train(), "trained");
  testing::TempDir dir;
  std::string path = dir.path + "/tok.json";
  tok.save(path);
  Tokenizer again = Tokenizer::from_file(path);
  EXPECT_EQ(again.to_json(), tok.to_json());
  for (const auto& s : testing::build_corpus(300, 4)) EXPECT_EQ(again.encode(s), tok.encode(s));
}

TEST(Tokenizer, SharedAcrossThreadsGivesTheSameIds) {
  BpeTrainerOptions opt;
  opt.vocab_size = 800;
  BpeTrainer trainer(opt);
  auto corpus = testing::build_corpus(800, 17);
  for (const auto& s : corpus) trainer.add_text(s);
  Tokenizer tok = Tokenizer::from_json(trainer.train(), "trained");
  std::vector<std::vector<int64_t>> serial;
  {
    Tokenizer fresh = Tokenizer::from_json(tok.to_json(), "copy");  // separate cache
    for (const auto& s : corpus) serial.push_back(fresh.encode(s));
  }
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (size_t r = 0; r < 3; ++r)
        for (size_t k = t; k < corpus.size(); k += 1 + t) wrong[t] += tok.encode(corpus[k]) != serial[k];
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace vlsi::text
