// data.train_records_from / train_records: a run trains on one range of the train
// file's records only, whatever its seed and record offset (issue 14's record budget).
#include <gtest/gtest.h>

#include <set>

#include "../data/fake_processor.h"
#include "sft_fixture.h"
#include "vlsi/data/record.h"
#include "vlsi/train/run_data.h"

using namespace vlsi;

namespace {

std::set<std::string> ids_read(const std::string& dir, int64_t train_records, int64_t offset, int64_t seed,
                               int64_t batches, int64_t from = 0) {
  io::json d = {{"train", dir + "/data/train.jsonl"}, {"train_records", train_records}, {"record_offset", offset},
                {"train_records_from", from}};
  d = io::merge_with_defaults(train::data_defaults(), d, "data");
  io::json t = test_support::sft_config(dir, dir + "/run", 10)["trainer"];
  t["batch_size"] = 4;
  t["seed"] = seed;
  auto tc = train::TrainerConfig::from_json(t, "trainer");
  auto tok = text::Tokenizer::from_file(dir + "/tokenizer.json");
  auto processor = std::make_shared<data::testing::FakeProcessor>(16, 4, 4);
  train::RunData run(d, tok, processor, tc, "data");
  auto stream = run.stream();
  std::set<std::string> ids;
  for (int64_t i = 0; i < batches; ++i) {
    data::Batch b = stream.next();
    ids.insert(b.ids.begin(), b.ids.end());
  }
  return ids;
}

}  // namespace

TEST(RecordBudget, EverySeedAndOffsetReadsTheFirstNRecordsOnly) {
  std::string dir = test_support::fresh_dir("budget");
  test_support::make_sft_fixture(dir, 40);
  data::RecordLoadOptions ro;
  ro.image_check = data::ImageCheck::none;
  auto records = data::load_records(dir + "/data/train.jsonl", ro).records;
  std::set<std::string> first12;
  for (int i = 0; i < 12; ++i) first12.insert(records[size_t(i)].id);

  // Three epochs of 12 records each, for two seeds and an offset: always the same 12.
  EXPECT_EQ(ids_read(dir, 12, 0, 7, 9), first12);
  EXPECT_EQ(ids_read(dir, 12, 0, 8, 9), first12);
  EXPECT_EQ(ids_read(dir, 12, 30, 7, 9), first12);
  // Without a budget the same reads reach past them.
  EXPECT_GT(ids_read(dir, 0, 0, 7, 9).size(), 12u);
  // A range further on: records 30..39 (to the end), and 12..19.
  std::set<std::string> last10, middle8;
  for (int i = 30; i < 40; ++i) last10.insert(records[size_t(i)].id);
  for (int i = 12; i < 20; ++i) middle8.insert(records[size_t(i)].id);
  EXPECT_EQ(ids_read(dir, 0, 0, 7, 10, 30), last10);
  EXPECT_EQ(ids_read(dir, 8, 5, 7, 8, 12), middle8);
  std::filesystem::remove_all(dir);
}

TEST(RecordBudget, MoreThanTheFileHoldsOrNegativeIsAOneLineError) {
  std::string dir = test_support::fresh_dir("budget_err");
  test_support::make_sft_fixture(dir, 40);
  try {
    ids_read(dir, 41, 0, 7, 1);
    FAIL() << "41 of 40 records accepted";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("data.train_records"), std::string::npos) << msg;
    EXPECT_NE(msg.find("40 usable"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  EXPECT_THROW(ids_read(dir, 0, 0, 7, 1, 40), Error);  // starts past the last record
  EXPECT_THROW(ids_read(dir, 11, 0, 7, 1, 30), Error);  // 30 + 11 > 40
  EXPECT_THROW(train::validate_data_config(
                   io::merge_with_defaults(train::data_defaults(), {{"train", "t.jsonl"}, {"train_records", -1}}, "data"),
                   "x.json"),
               Error);
  std::filesystem::remove_all(dir);
}
