#include <gtest/gtest.h>

#include "test_util.h"
#include "vlsi/data/image.h"
#include "vlsi/data/record.h"

using namespace vlsi::data;
using vlsi::data::testing::scratch_dir;
using vlsi::data::testing::write_text;

namespace {

struct Fixture {
  std::string dir, images;
};

Fixture make_fixture(const std::string& name) {
  Fixture f;
  f.dir = scratch_dir(name);
  f.images = f.dir + "/img";
  Image img(8, 6, 200);
  write_png(f.images + "/a.png", img);
  write_png(f.images + "/b.png", img);
  write_text(f.images + "/text.png", "not an image");
  std::string png = encode_png(Image(40, 40, 90));
  write_text(f.images + "/cut.png", png.substr(0, png.size() - 30));  // valid header, data cut short
  return f;
}

// Lines of a JSONL file; the comment says what each line tests.
const char* kMixed =
    R"({"id": "ok1", "image": "a.png", "conversations": [{"from": "human", "value": "<image>\nWhat?"}, {"from": "gpt", "value": "red"}], "category": "attribute", "answer_type": "text"})"
    "\n"
    R"({"id": "missing", "image": "nope.png", "conversations": [{"from": "human", "value": "<image>\nQ"}, {"from": "gpt", "value": "A"}]})"
    "\n"
    "\n"  // blank lines are allowed and still counted for line numbers
    R"({"id": "noanswer", "image": "a.png", "conversations": [{"from": "human", "value": "<image>\nQ"}]})"
    "\n"
    R"({"id": "order", "conversations": [{"from": "gpt", "value": "A"}, {"from": "human", "value": "Q"}]})"
    "\n"
    R"({"id": "placeholders", "image": "a.png", "conversations": [{"from": "human", "value": "<image> and <image>"}, {"from": "gpt", "value": "A"}]})"
    "\n"
    R"({"id": "notimage", "image": "text.png", "conversations": [{"from": "human", "value": "<image>Q"}, {"from": "gpt", "value": "A"}]})"
    "\n"
    R"({"id": "broken", "conversations": [)"
    "\n"
    R"({"id": "textonly", "conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}, {"from": "human", "value": "More"}, {"from": "gpt", "value": "Sure"}]})"
    "\n";

std::string error_of(const std::string& path, const RecordLoadOptions& opt) {
  try {
    load_records(path, opt);
  } catch (const BadRecord& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Record, ParsesLlavaJsonlWithExtrasMultiTurnAndTextOnly) {
  Fixture f = make_fixture("parse");
  write_text(f.dir + "/d.jsonl",
             R"({"id": 7, "image": "a.png", "conversations": [{"from": "human", "value": "<image>\nQ1"}, {"from": "gpt", "value": "A1"}, {"from": "human", "value": "Q2"}, {"from": "gpt", "value": "A2"}], "category": "counting", "answer_type": "number", "score": 3})"
             "\n"
             R"({"id": "t", "conversations": [{"from": "user", "value": "Hi"}, {"from": "assistant", "value": "Hello"}]})"
             "\n");
  RecordLoadOptions opt;
  opt.image_dir = f.images;
  RecordSet set = load_records(f.dir + "/d.jsonl", opt);
  ASSERT_EQ(set.records.size(), 2u);
  const Record& r = set.records[0];
  EXPECT_EQ(r.id, "7");
  EXPECT_EQ(r.images, std::vector<std::string>{"a.png"});
  ASSERT_EQ(r.conversations.size(), 4u);
  EXPECT_EQ(r.conversations[2].role, Role::human);
  EXPECT_EQ(r.conversations[3].value, "A2");
  EXPECT_EQ(r.last_answer(), "A2");
  EXPECT_EQ(r.extra_string("category"), "counting");
  EXPECT_EQ(r.extra_string("answer_type"), "number");
  EXPECT_EQ(r.extra["score"], 3);
  EXPECT_EQ(r.location, f.dir + "/d.jsonl:1");
  EXPECT_TRUE(set.records[1].images.empty());
  EXPECT_EQ(set.records[1].conversations[1].role, Role::gpt);
  EXPECT_EQ(set.report.kept, 2u);
  EXPECT_EQ(set.report.summary(), f.dir + "/d.jsonl: kept 2 of 2 records");

  // Round trip through record_to_json keeps everything.
  Record again = parse_record(record_to_json(r), "x");
  EXPECT_EQ(again.id, r.id);
  EXPECT_EQ(again.images, r.images);
  EXPECT_EQ(again.conversations.size(), r.conversations.size());
  EXPECT_EQ(again.extra, r.extra);
}

TEST(Record, ReadsJsonArrayFilesAndNamesArrayIndices) {
  Fixture f = make_fixture("array");
  write_text(f.dir + "/d.json",
             R"([{"id": "a", "image": "a.png", "conversations": [{"from": "human", "value": "<image>\nQ"}, {"from": "gpt", "value": "A"}]},
                 {"id": "b", "image": "zzz.png", "conversations": [{"from": "human", "value": "<image>\nQ"}, {"from": "gpt", "value": "A"}]}])");
  RecordLoadOptions opt;
  opt.image_dir = f.images;
  std::string msg = error_of(f.dir + "/d.json", opt);
  EXPECT_EQ(msg, f.dir + "/d.json[1]: record 'b': image 'zzz.png' not found in '" + f.images + "' (missing_image)");
  opt.policy = BadRecordPolicy::skip;
  RecordSet set = load_records(f.dir + "/d.json", opt);
  EXPECT_EQ(set.records.size(), 1u);
  EXPECT_EQ(set.records[0].location, f.dir + "/d.json[0]");
}

TEST(Record, EachBadRecordKindIsReportedWithFileAndLine) {
  Fixture f = make_fixture("kinds");
  const std::string path = f.dir + "/mixed.jsonl";
  write_text(path, kMixed);
  RecordLoadOptions opt;
  opt.image_dir = f.images;
  opt.policy = BadRecordPolicy::skip;
  opt.locations_reported = 10;
  RecordSet set = load_records(path, opt);
  ASSERT_EQ(set.records.size(), 2u);
  EXPECT_EQ(set.records[0].id, "ok1");
  EXPECT_EQ(set.records[1].id, "textonly");
  EXPECT_EQ(set.records[1].location, path + ":9");
  EXPECT_EQ(set.report.total, 8u);
  EXPECT_EQ(set.report.skipped(), 6u);
  const std::map<std::string, size_t> expected = {
      {reason::missing_image, 1}, {reason::no_assistant_turn, 1}, {reason::roles_not_alternating, 1},
      {reason::too_many_placeholders, 1}, {reason::bad_image, 1}, {reason::malformed_json, 1}};
  EXPECT_EQ(set.report.skipped_by_reason, expected);
  const std::vector<std::string> expected_locations = {
      path + ":2 (missing_image)",        path + ":4 (no_assistant_turn)", path + ":5 (roles_not_alternating)",
      path + ":6 (too_many_placeholders)", path + ":7 (bad_image)",         path + ":8 (malformed_json)"};
  EXPECT_EQ(set.report.first_locations, expected_locations);
  for (const auto& m : set.report.first_problems) EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_NE(set.report.first_problems[1].find("record 'noanswer': conversation has no gpt (assistant) turn"),
            std::string::npos);
  EXPECT_NE(set.report.first_problems[2].find("conversations[0]: expected 'human', got 'gpt'"), std::string::npos);
  EXPECT_NE(set.report.first_problems[3].find("2 <image> placeholders but 1 image(s)"), std::string::npos);
  EXPECT_NE(set.report.first_problems[5].find(":8: malformed JSON"), std::string::npos);

  const std::string summary = set.report.summary();
  EXPECT_EQ(summary.find('\n'), std::string::npos);
  EXPECT_NE(summary.find("kept 2 of 8 records; skipped 6 (bad_image 1, malformed_json 1, missing_image 1, "
                         "no_assistant_turn 1, roles_not_alternating 1, too_many_placeholders 1); first: " +
                         path + ":2 (missing_image), "),
            std::string::npos)
      << summary;

  // The summary lists only the first few locations.
  opt.locations_reported = 2;
  EXPECT_EQ(load_records(path, opt).report.first_locations.size(), 2u);
}

TEST(Record, FailPolicyStopsAtTheFirstBadRecordWithOneLine) {
  Fixture f = make_fixture("fail");
  const std::string path = f.dir + "/mixed.jsonl";
  write_text(path, kMixed);
  RecordLoadOptions opt;
  opt.image_dir = f.images;
  EXPECT_EQ(error_of(path, opt),
            path + ":2: record 'missing': image 'nope.png' not found in '" + f.images + "' (missing_image)");
  try {
    load_records(path, opt);
  } catch (const BadRecord& e) {
    EXPECT_EQ(e.reason, reason::missing_image);
  }
}

TEST(Record, ImageCheckDepth) {
  Fixture f = make_fixture("depth");
  const std::string path = f.dir + "/d.jsonl";
  write_text(path,
             R"({"id": "c", "image": "cut.png", "conversations": [{"from": "human", "value": "<image>\nQ"}, {"from": "gpt", "value": "A"}]})"
             "\n");
  RecordLoadOptions opt;
  opt.image_dir = f.images;
  opt.image_check = ImageCheck::header;  // the header of a truncated file is fine
  EXPECT_EQ(load_records(path, opt).records.size(), 1u);
  opt.image_check = ImageCheck::decode;  // decoding finds it
  std::string msg = error_of(path, opt);
  EXPECT_NE(msg.find(path + ":1: record 'c': "), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot decode image"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(bad_image)"), std::string::npos) << msg;
  opt.image_check = ImageCheck::none;  // not even existence
  write_text(path,
             R"({"id": "c", "image": "gone.png", "conversations": [{"from": "human", "value": "<image>\nQ"}, {"from": "gpt", "value": "A"}]})"
             "\n");
  EXPECT_EQ(load_records(path, opt).records.size(), 1u);
}

TEST(Record, ImagesWithoutPlaceholderGetOneAtTheStart) {
  Record r = parse_record(nlohmann::json::parse(
                              R"({"id": "x", "image": ["a.png", "b.png"], "conversations": [{"from": "human", "value": "Compare <image> with this."}, {"from": "gpt", "value": "Same."}]})"),
                          "here");
  EXPECT_EQ(r.conversations[0].value, "<image>\nCompare <image> with this.");
  EXPECT_EQ(count_occurrences(r.conversations[0].value, kImagePlaceholder), r.images.size());
}

TEST(Record, FieldErrorsNameTheField) {
  auto msg = [](const char* text) {
    try {
      parse_record(nlohmann::json::parse(text), "f.jsonl:3");
    } catch (const BadRecord& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(msg(R"({"id": "a"})"), "f.jsonl:3: record 'a': missing field 'conversations' (bad_field)");
  EXPECT_EQ(msg(R"([1])"), "f.jsonl:3: expected a JSON object, got array (bad_field)");
  EXPECT_EQ(msg(R"({"id": "a", "conversations": [{"from": "bot", "value": "x"}]})"),
            "f.jsonl:3: record 'a': conversations[0]: unknown role 'bot' (expected human or gpt) (bad_field)");
  EXPECT_EQ(msg(R"({"id": "a", "image": 5, "conversations": []})"),
            "f.jsonl:3: record 'a': field 'image': expected a non-empty path string (bad_field)");
  EXPECT_EQ(msg(R"({"id": "a", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "<image>"}]})"),
            "f.jsonl:3: record 'a': conversations[1]: <image> placeholder in a gpt turn (bad_field)");
  EXPECT_EQ(msg(R"({"id": "a", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}, {"from": "human", "value": "q2"}]})"),
            "f.jsonl:3: record 'a': conversation ends with a human turn that has no gpt answer (roles_not_alternating)");
  EXPECT_THROW(parse_bad_record_policy("ignore"), vlsi::Error);
}

TEST(Record, MalformedJsonArrayFileFailsWithLineAndColumn) {
  std::string dir = scratch_dir("badarray");
  write_text(dir + "/d.json", "[\n  {\"id\": 1,\n  oops\n]");
  RecordLoadOptions opt;
  opt.policy = BadRecordPolicy::skip;  // cannot skip inside a broken array
  try {
    load_records(dir + "/d.json", opt);
    FAIL();
  } catch (const vlsi::Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/d.json:3:"), std::string::npos) << e.what();
  }
}
