// Our Tokenizer against the reference (Hugging Face `tokenizers`, Rust) on the real
// Qwen3 tokenizer.json and on tokenizers our trainer writes: ids must agree
// id for id, decoding must agree, and decode(encode(s)) must give s back
// (after NFC and U+FFFD repair of invalid UTF-8, which is what we document).
#include <gtest/gtest.h>

#include <fstream>

#include "reference_support.h"
#include "test_corpus.h"
#include "vlsi/io/json_util.h"
#include "vlsi/text/bpe_trainer.h"
#include "vlsi/text/tokenizer.h"
#include "vlsi/text/utf8.h"

namespace vlsi::text {
namespace {

using namespace vlsi::text::testing;
using nlohmann::json;

std::string printable(const std::string& s, size_t max = 160) {
  std::string out = json(sanitize_utf8(s.substr(0, max))).dump();
  return s.size() > max ? out + "...(" + std::to_string(s.size()) + " bytes)" : out;
}

// Compares our results with the reference's for every case; reports the
// first mismatches in detail and returns how many cases differ.
size_t compare_with_reference(const Tokenizer& ours, const std::string& tokenizer_path, const std::vector<std::string>& cases,
                              bool check_round_trip) {
  auto ref = run_reference(tokenizer_path, cases);
  if (ref.size() != cases.size()) return cases.size();
  size_t bad = 0, reported = 0;
  for (size_t k = 0; k < cases.size(); ++k) {
    std::vector<int64_t> ids = ours.encode(cases[k]);
    std::string problem;
    if (ids != ref[k].ids) {
      size_t at = 0;
      while (at < ids.size() && at < ref[k].ids.size() && ids[at] == ref[k].ids[at]) ++at;
      problem = "ids differ at position " + std::to_string(at) + ": ours " + show_ids(ids, at > 3 ? at - 3 : 0) +
                " reference " + show_ids(ref[k].ids, at > 3 ? at - 3 : 0) + " (lengths " + std::to_string(ids.size()) +
                " vs " + std::to_string(ref[k].ids.size()) + ")";
    } else if (ours.decode(ids) != ref[k].decoded) {
      problem = "decode differs: ours " + printable(ours.decode(ids)) + " reference " + printable(ref[k].decoded);
    } else if (ours.decode(ids, true) != ref[k].decoded_skip) {
      problem = "decode(skip_special) differs: ours " + printable(ours.decode(ids, true)) + " reference " +
                printable(ref[k].decoded_skip);
    } else if (check_round_trip && cases[k].find('<') == std::string::npos &&
               ours.decode(ids) != normalize_unicode(sanitize_utf8(cases[k]), NormalForm::NFC)) {
      problem = "round trip lost text: got " + printable(ours.decode(ids));
    }
    if (problem.empty()) continue;
    ++bad;
    if (reported++ < 8) ADD_FAILURE() << "case " << k << " " << printable(cases[k]) << ": " << problem;
  }
  return bad;
}

class ReferenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string err = ensure_reference();
    ASSERT_EQ(err, "") << "the reference libraries are required for this test: " << err;
  }
  TempDir dir_;
};

TEST_F(ReferenceTest, QwenTokenizerEncodesLikeReference) {
  Tokenizer tok = Tokenizer::from_file(qwen_tokenizer_path());
  EXPECT_EQ(tok.vocab_size(), 151669);
  auto corpus = build_corpus();
  ASSERT_GE(corpus.size(), 2000u);
  size_t bad = compare_with_reference(tok, qwen_tokenizer_path(), corpus, true);
  EXPECT_EQ(bad, 0u) << bad << " of " << corpus.size() << " cases differ from the reference";
}

// What save() writes for the real Qwen tokenizer is still the same tokenizer
// for the reference (vocabulary order and merge form change on the way).
TEST_F(ReferenceTest, SavedQwenCopyEncodesLikeReference) {
  Tokenizer tok = Tokenizer::from_file(qwen_tokenizer_path());
  std::string path = dir_.path + "/qwen_copy.json";
  tok.save(path);
  Tokenizer copy = Tokenizer::from_file(path);
  EXPECT_EQ(copy.vocab_size(), tok.vocab_size());
  auto corpus = build_corpus(300, 77);
  for (const auto& s : corpus) ASSERT_EQ(copy.encode(s), tok.encode(s)) << printable(s);
  EXPECT_EQ(compare_with_reference(copy, path, corpus, false), 0u);
}

// A small tokenizer from our trainer, written to disk, loaded by both sides.
json train_small(int64_t vocab_size) {
  BpeTrainerOptions opt;
  opt.vocab_size = vocab_size;
  opt.special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>"};
  BpeTrainer trainer(opt);
  for (const auto& s : build_corpus(3000, 7)) trainer.add_text(s);
  for (int r = 0; r < 20; ++r)
    for (const auto& s : edge_cases()) trainer.add_text(s);
  return trainer.train();
}

std::string write_json_in(const TempDir& dir, const json& j, const std::string& name) {
  std::string path = dir.path + "/" + name;
  io::write_json_file(path, j);
  return path;
}

TEST_F(ReferenceTest, TrainedTokenizerEncodesLikeReference) {
  json trained = train_small(1500);
  std::string path = write_json_in(dir_, trained, "tokenizer.json");
  Tokenizer tok = Tokenizer::from_file(path);
  EXPECT_EQ(tok.vocab_size(), 1500);
  EXPECT_TRUE(tok.is_special(1496));
  EXPECT_EQ(tok.id_to_token(1499), "<image>");
  size_t bad = compare_with_reference(tok, path, build_corpus(2000, 99), true);
  EXPECT_EQ(bad, 0u);
}

// Flags the Qwen file never sets: lstrip/rstrip, normalized matching, and
// non-special added tokens, on a trained tokenizer.
TEST_F(ReferenceTest, AddedTokenFlagsBehaveLikeReference) {
  json j = train_small(800);
  json added = j["added_tokens"];
  int64_t next = 800;
  auto add = [&](const std::string& content, bool lstrip, bool rstrip, bool normalized, bool special) {
    added.push_back({{"id", next++}, {"content", content}, {"single_word", false}, {"lstrip", lstrip}, {"rstrip", rstrip},
                     {"normalized", normalized}, {"special", special}});
  };
  add("<mask>", true, true, false, true);
  add("[L]", true, false, false, false);
  add("[R]", false, true, false, false);
  add("Cafe\u0301", false, false, true, false);  // matched after NFC as "Café"
  add("<long_token>", false, false, false, false);
  add("<long", false, false, false, true);  // prefix of another: longest wins
  j["added_tokens"] = added;
  std::string path = write_json_in(dir_, j, "flags.json");
  Tokenizer tok = Tokenizer::from_file(path);
  std::vector<std::string> cases = {"a <mask> b", "a   <mask>\n\tb", "<mask>", "  <mask>  ", "x [L] y [R] z", "x\n\n[L][R]\n\ny",
                                    "Caf\u00e9 and Cafe\u0301", "Cafe\u0301<mask>Caf\u00e9", "<long_token> <long <long_tok",
                                    "\u3000<mask>\u3000 \ufeff<mask>\ufeff \u0085<mask>\u0085", "[L]", " [R] "};
  for (const auto& s : build_corpus(300, 5)) cases.push_back(s);
  EXPECT_EQ(compare_with_reference(tok, path, cases, false), 0u);
}

// A plain ByteLevel pre-tokenizer with its GPT-2 regex and prefix space.
TEST_F(ReferenceTest, PlainByteLevelPreTokenizerLikeReference) {
  for (bool prefix : {false, true}) {
    json j = train_small(700);
    j["normalizer"] = nullptr;
    j["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", prefix}, {"trim_offsets", true}, {"use_regex", true}};
    std::string path = write_json_in(dir_, j, "gpt2.json");
    Tokenizer tok = Tokenizer::from_file(path);
    EXPECT_EQ(compare_with_reference(tok, path, build_corpus(600, 11), false), 0u) << "add_prefix_space=" << prefix;
  }
}

}  // namespace
}  // namespace vlsi::text
