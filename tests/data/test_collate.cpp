#include <gtest/gtest.h>

#include "test_util.h"
#include "tiny_tokenizer.h"
#include "fake_processor.h"
#include "vlsi/data/collate.h"
#include "vlsi/data/sample_images.h"

using namespace vlsi::data;
using vlsi::data::testing::scratch_dir;
using vlsi::data::testing::tiny_tokenizer;

namespace {

Record two_turn_record() {
  return parse_record(nlohmann::json::parse(R"({"id": "r1", "image": ["a.png", "b.png"], "conversations": [
      {"from": "human", "value": "<image>\nWhat colour is the triangle?"}, {"from": "gpt", "value": "red"},
      {"from": "human", "value": "And this one? <image>"}, {"from": "gpt", "value": "The blue circle."}]})"),
                      "t.jsonl:1");
}

ChatFormat format(int64_t image_tokens, int64_t max_length = 512) {
  ChatFormat f;
  f.with_images = image_tokens > 0;
  f.max_length = max_length;
  return f;
}

// Every image of a sample gets `per_image` tokens.
ImageTokenCounts each(int64_t per_image) {
  return [per_image](size_t kept) { return std::vector<int64_t>(kept, per_image); };
}

// Maximal runs of labelled tokens, decoded.
std::vector<std::string> answer_spans(const vlsi::text::Tokenizer& tok, const EncodedSample& e) {
  std::vector<std::string> spans;
  std::vector<int64_t> cur;
  for (size_t i = 0; i <= e.labels.size(); ++i) {
    if (i < e.labels.size() && e.labels[i] != kIgnoreIndex) {
      EXPECT_EQ(e.labels[i], e.input_ids[i]);
      cur.push_back(e.labels[i]);
    } else if (!cur.empty()) {
      spans.push_back(tok.decode(cur));
      cur.clear();
    }
  }
  return spans;
}

}  // namespace

TEST(Collate, LabelsCoverExactlyTheAnswersAndTheirClosingTokens) {
  auto tok = tiny_tokenizer();
  SampleEncoder enc(tok, format(3));
  EncodedSample e = enc.encode(two_turn_record(), each(3));
  EXPECT_FALSE(e.truncated);
  EXPECT_EQ(e.num_images, 2u);
  EXPECT_EQ(answer_spans(tok, e), (std::vector<std::string>{"red<|im_end|>", "The blue circle.<|im_end|>"}));
  const std::string im = "<image><image><image>";
  EXPECT_EQ(tok.decode(e.input_ids),
            "<|im_start|>user\n" + im + "\nWhat colour is the triangle?<|im_end|>\n<|im_start|>assistant\nred<|im_end|>\n"
            "<|im_start|>user\nAnd this one? " + im + "<|im_end|>\n<|im_start|>assistant\nThe blue circle.<|im_end|>\n");
  // The pieces tokenise exactly as the whole rendered text does.
  EXPECT_EQ(e.input_ids, tok.encode(tok.decode(e.input_ids)));
  EXPECT_EQ(std::count(e.input_ids.begin(), e.input_ids.end(), enc.image_token_id()), 6);
}

TEST(Collate, DefaultSystemPromptIsUnlabelledPrefix) {
  auto tok = tiny_tokenizer();
  ChatFormat f = format(1);
  f.add_default_system = true;
  EncodedSample e = SampleEncoder(tok, f).encode(two_turn_record(), each(1));
  EXPECT_EQ(tok.decode(e.input_ids).rfind("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n", 0), 0u);
  EXPECT_EQ(answer_spans(tok, e).size(), 2u);
}

TEST(Collate, PromptIsTheTrainingPrefixBeforeTheLastAnswer) {
  auto tok = tiny_tokenizer();
  SampleEncoder enc(tok, format(2));
  Record r = two_turn_record();
  EncodedSample e = enc.encode(r, each(2));
  PromptSample p = enc.encode_prompt(r, each(2));
  EXPECT_EQ(p.reference, "The blue circle.");
  EXPECT_EQ(p.num_images, 2u);
  ASSERT_LT(p.input_ids.size(), e.input_ids.size());
  EXPECT_TRUE(std::equal(p.input_ids.begin(), p.input_ids.end(), e.input_ids.begin()));
  EXPECT_NE(e.labels[p.input_ids.size()], kIgnoreIndex);      // the answer starts right after
  EXPECT_EQ(e.labels[p.input_ids.size() - 1], kIgnoreIndex);  // and not before
  const std::string text = tok.decode(p.input_ids);
  EXPECT_EQ(text.substr(text.size() - 22), "<|im_start|>assistant\n");
}

TEST(Collate, TruncationDropsTrailingExchangesThenCutsTheFirstAnswerThenRejects) {
  auto tok = tiny_tokenizer();
  Record r = two_turn_record();
  EncodedSample full = SampleEncoder(tok, format(4)).encode(r, each(4));
  // Length of the first exchange: up to and including its "\n" after <|im_end|>.
  PromptSample first_prompt;
  {
    Record one = r;
    one.conversations.resize(2);
    first_prompt = SampleEncoder(tok, format(4)).encode_prompt(one, each(4));
  }
  const size_t prompt0 = first_prompt.input_ids.size();
  size_t ex0 = 0;
  for (size_t i = prompt0; i < full.labels.size(); ++i)
    if (full.labels[i] == kIgnoreIndex) { ex0 = i + 1; break; }  // the "\n" after the first <|im_end|>

  // Rule 1: the second exchange (with the second image) does not fit.
  EncodedSample a = SampleEncoder(tok, format(4, int64_t(full.input_ids.size()) - 1)).encode(r, each(4));
  EXPECT_TRUE(a.truncated);
  EXPECT_EQ(a.input_ids.size(), ex0);
  EXPECT_EQ(a.num_images, 1u);
  EXPECT_EQ(answer_spans(tok, a), std::vector<std::string>{"red<|im_end|>"});
  EXPECT_TRUE(std::equal(a.input_ids.begin(), a.input_ids.end(), full.input_ids.begin()));

  // Rule 2: the first exchange alone does not fit; its answer is cut.
  Record long_answer = r;
  long_answer.conversations.resize(2);
  long_answer.conversations[1].value = "red green blue yellow purple orange red green blue";
  EncodedSample b = SampleEncoder(tok, format(4, int64_t(prompt0) + 2)).encode(long_answer, each(4));
  EXPECT_TRUE(b.truncated);
  EXPECT_EQ(b.input_ids.size(), prompt0 + 2);
  EXPECT_EQ(std::count_if(b.labels.begin(), b.labels.end(), [](int64_t l) { return l != kIgnoreIndex; }), 2);

  // Rule 3: not even one answer token fits after the prompt.
  try {
    SampleEncoder(tok, format(4, int64_t(prompt0))).encode(long_answer, each(4));
    FAIL() << "expected too_long";
  } catch (const BadRecord& e) {
    EXPECT_EQ(e.reason, reason::too_long);
    EXPECT_NE(std::string(e.what()).find("t.jsonl:1: record 'r1': prompt of " + std::to_string(prompt0) + " tokens"),
              std::string::npos) << e.what();
  }
  EXPECT_THROW(SampleEncoder(tok, format(4, int64_t(prompt0) - 1)).encode_prompt(long_answer, each(4)), BadRecord);
}

TEST(Collate, BatchPadsRightAndCountsLabels) {
  auto tok = tiny_tokenizer();
  SampleEncoder enc(tok, format(2));
  Record with_image = two_turn_record();
  Record text_only = parse_record(nlohmann::json::parse(
      R"({"id": "t", "conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "red"}]})"), "x");
  std::vector<PreparedSample> samples(2);
  samples[0].encoded = enc.encode(text_only, each(2));
  samples[1].encoded = enc.encode(with_image, each(2));
  samples[1].images = vlsi::model::VisionInputs::one_tile_each(torch::rand({2, 3, 8, 8}));
  Batch b = collate(samples, enc.pad_id());
  const int64_t T = int64_t(samples[1].encoded.input_ids.size());
  const int64_t t0 = int64_t(samples[0].encoded.input_ids.size());
  ASSERT_EQ(b.input_ids.sizes(), (std::vector<int64_t>{2, T}));
  EXPECT_EQ(b.input_ids.scalar_type(), torch::kInt64);
  EXPECT_EQ(b.attention_mask.sum().item<int64_t>(), T + t0);
  EXPECT_EQ(b.attention_mask[0].slice(0, t0).sum().item<int64_t>(), 0);
  EXPECT_TRUE((b.input_ids[0].slice(0, t0) == enc.pad_id()).all().item<bool>());
  EXPECT_TRUE((b.labels[0].slice(0, t0) == kIgnoreIndex).all().item<bool>());
  EXPECT_EQ(b.num_label_tokens, (b.labels != kIgnoreIndex).sum().item<int64_t>());
  EXPECT_EQ(b.ids, (std::vector<std::string>{"t", "r1"}));
  ASSERT_EQ(b.images.num_images(), 2);
  EXPECT_EQ(b.images.pixel_values.sizes(), (std::vector<int64_t>{2, 3, 8, 8}));
  EXPECT_TRUE(torch::equal(b.images.pixel_values, samples[1].images.pixel_values));
  samples.pop_back();
  EXPECT_TRUE(collate(samples, enc.pad_id()).images.empty());
}

TEST(Collate, PrepareCountsImageTokensByWhatTheSampleKeeps) {
  std::string dir = scratch_dir("img");
  write_png(dir + "/a.png", Image(10, 6, 255));
  write_png(dir + "/b.png", Image(4, 4, 0));
  auto tok = tiny_tokenizer();
  const vlsi::data::testing::FakeProcessor processor(5, /*alone=*/6, /*shared=*/2);
  Record r = two_turn_record();
  PreparedSample s = prepare_sample(SampleEncoder(tok, format(1)), processor, r, dir);
  const int64_t image_id = *tok.token_to_id("<image>");
  auto count = [&](const std::vector<int64_t>& ids) { return std::count(ids.begin(), ids.end(), image_id); };
  EXPECT_EQ(s.encoded.num_images, 2u);
  EXPECT_EQ(count(s.encoded.input_ids), 4);  // two images share the sample: 2 tokens each
  ASSERT_EQ(s.images.pixel_values.sizes(), (std::vector<int64_t>{2, 3, 5, 5}));
  EXPECT_NEAR(s.images.pixel_values[0].min().item<float>(), 1.0f, 1e-6);
  EXPECT_NEAR(s.images.pixel_values[1].max().item<float>(), 0.0f, 1e-6);
  EXPECT_EQ(s.images.image_sizes[0], (std::array<int64_t, 2>{6, 10}));
  // A max_length that drops the second exchange leaves one image, now alone: 6 tokens.
  PreparedSample cut = prepare_sample(SampleEncoder(tok, format(1, int64_t(s.encoded.input_ids.size()) - 6)),
                                      processor, r, dir);
  EXPECT_TRUE(cut.encoded.truncated);
  EXPECT_EQ(cut.encoded.num_images, 1u);
  EXPECT_EQ(count(cut.encoded.input_ids), 6);
  EXPECT_EQ(cut.images.num_images(), 1);
}

TEST(Collate, TokenizerWithoutTheNeededTokensIsRejected) {
  auto tok = tiny_tokenizer();
  ChatFormat f = format(2);
  f.image_token = "<|vision_pad|>";
  EXPECT_THROW(SampleEncoder(tok, f), vlsi::Error);
  f = format(2);
  f.pad_token = "<pad>";
  try {
    SampleEncoder(tok, f);
    FAIL();
  } catch (const vlsi::Error& e) {
    EXPECT_EQ(std::string(e.what()), "tokenizer: no token '<pad>' (chat format pad_token)");
  }
  // A record with images needs image tokens in the format.
  EXPECT_THROW(SampleEncoder(tok, format(0)).encode(two_turn_record(), each(0)), vlsi::Error);
}
