#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "test_util.h"
#include "fake_processor.h"
#include "tiny_tokenizer.h"
#include "vlsi/data/loader.h"
#include "vlsi/data/record_range.h"
#include "vlsi/data/shapes_dataset.h"

using namespace vlsi::data;
using vlsi::data::testing::scratch_dir;
using vlsi::data::testing::tiny_tokenizer;

namespace {

struct ShapesData {
  std::string dir;
  std::vector<Record> records;
};

ShapesData make_dataset(const std::string& name, int64_t n) {
  ShapesData s;
  s.dir = scratch_dir(name);
  shapes::ShapesOptions o;
  o.out_dir = s.dir;
  o.seed = 1;
  o.train = n;
  o.image_size = 32;
  shapes::generate_shapes_dataset(o);
  RecordLoadOptions ro;
  ro.image_dir = s.dir + "/images";
  s.records = load_records(s.dir + "/train.jsonl", ro).records;
  return s;
}

std::unique_ptr<DataLoader> make_loader(const ShapesData& s, LoaderOptions opt, int64_t max_length = 512) {
  ChatFormat f;
  f.max_length = max_length;
  auto processor = std::make_shared<vlsi::data::testing::FakeProcessor>(16, 4, 4);
  return std::make_unique<DataLoader>(s.records, s.dir + "/images", processor, SampleEncoder(tiny_tokenizer(), f), opt);
}

LoaderOptions opts(int64_t batch, uint64_t seed, bool drop_last = false) {
  LoaderOptions o;
  o.batch_size = batch;
  o.seed = seed;
  o.drop_last = drop_last;
  o.prefetch_batches = 2;
  return o;
}

std::vector<std::string> take_ids(DataLoader& l, int64_t batches) {
  std::vector<std::string> ids;
  for (int64_t i = 0; i < batches; ++i) {
    Batch b = l.next();
    ids.insert(ids.end(), b.ids.begin(), b.ids.end());
  }
  return ids;
}

}  // namespace

TEST(Loader, OrderIsDeterministicBySeedAndEachEpochIsAPermutation) {
  ShapesData s = make_dataset("det", 23);
  auto a = make_loader(s, opts(5, 7)), b = make_loader(s, opts(5, 7)), c = make_loader(s, opts(5, 8));
  EXPECT_EQ(a->steps_per_epoch(), 5);  // 4 full batches and one of 3
  std::vector<std::string> ea1 = take_ids(*a, 5), ea2 = take_ids(*a, 5);
  EXPECT_EQ(ea1, take_ids(*b, 5));
  EXPECT_EQ(ea2, take_ids(*b, 5));
  EXPECT_NE(ea1, take_ids(*c, 5));
  EXPECT_NE(ea1, ea2);  // reshuffled each epoch
  for (const auto& e : {ea1, ea2}) {
    ASSERT_EQ(e.size(), 23u);
    EXPECT_EQ(std::set<std::string>(e.begin(), e.end()).size(), 23u);
  }
  EXPECT_EQ(a->position(), (LoaderPosition{2, 0}));

  LoaderOptions ordered = opts(5, 7);
  ordered.shuffle = false;
  auto d = make_loader(s, ordered);
  std::vector<std::string> ed = take_ids(*d, 5);
  for (size_t i = 0; i < ed.size(); ++i) EXPECT_EQ(ed[i], s.records[i].id);
}

TEST(Loader, RecordOffsetsGiveOneSeedDisjointRecordRanges) {
  ShapesData s = make_dataset("offset", 23);
  auto whole = make_loader(s, opts(5, 4));
  std::vector<std::string> order = take_ids(*whole, 5);  // epoch 0 of seed 4
  auto read = [&](int64_t offset, int64_t batches) {
    LoaderOptions o = opts(5, 4);
    o.record_offset = offset;
    return take_ids(*make_loader(s, o), batches);
  };
  std::vector<std::string> a = read(0, 2), b = read(10, 2), c = read(20, 1);
  EXPECT_EQ(a, std::vector<std::string>(order.begin(), order.begin() + 10));
  EXPECT_EQ(b, std::vector<std::string>(order.begin() + 10, order.begin() + 20));
  // 20..22, then round to the start of the order again (the dataset is used up).
  EXPECT_EQ(c, (std::vector<std::string>{order[20], order[21], order[22], order[0], order[1]}));
  std::set<std::string> ab(a.begin(), a.end()), abc;
  ab.insert(b.begin(), b.end());
  EXPECT_EQ(ab.size(), 20u);  // a and b share no record
  abc = ab;
  abc.insert(c.begin(), c.end());
  // distinct_records predicts what the loaders read, without loading anything.
  EXPECT_EQ(distinct_records({{0, 10}, {10, 10}}, 23), int64_t(ab.size()));
  EXPECT_EQ(distinct_records({{0, 10}, {10, 10}, {20, 5}}, 23), int64_t(abc.size()));
  EXPECT_EQ(abc.size(), 23u);
  EXPECT_EQ(distinct_records({{5, 40}}, 23), 23);  // more than an epoch reads everything
  EXPECT_EQ(distinct_records({{30, 4}, {7, 2}}, 23), 4);  // 30 mod 23 = 7: the same records
  EXPECT_EQ(read(23, 1), std::vector<std::string>(order.begin(), order.begin() + 5));  // offsets wrap
}

TEST(Loader, DropLastAndBatchShapes) {
  ShapesData s = make_dataset("drop", 23);
  auto l = make_loader(s, opts(5, 1, true));
  EXPECT_EQ(l->steps_per_epoch(), 4);
  for (int i = 0; i < 9; ++i) {
    LoaderPosition before = l->position();
    EXPECT_EQ(before.epoch, i / 4);
    EXPECT_EQ(before.step, i % 4);
    Batch b = l->next();
    EXPECT_EQ(b.input_ids.size(0), 5);
    EXPECT_EQ(b.input_ids.sizes(), b.labels.sizes());
    EXPECT_EQ(b.images.pixel_values.sizes(), (std::vector<int64_t>{5, 3, 16, 16}));  // every shapes record has one image
    EXPECT_GT(b.num_label_tokens, 0);
  }
  EXPECT_THROW(make_loader(s, opts(50, 1, true)), vlsi::Error);
}

TEST(Loader, ResumedLoaderContinuesWithTheSameBatches) {
  ShapesData s = make_dataset("resume", 17);
  auto a = make_loader(s, opts(4, 3));
  take_ids(*a, 7);  // into the second epoch (5 steps per epoch)
  nlohmann::json saved = a->position().to_json();
  EXPECT_EQ(saved, (nlohmann::json{{"epoch", 1}, {"step", 2}}));
  std::vector<Batch> expected;
  for (int i = 0; i < 6; ++i) expected.push_back(a->next());

  auto b = make_loader(s, opts(4, 3));
  take_ids(*b, 1);  // some prefetched state to throw away
  b->seek(LoaderPosition::from_json(saved, "checkpoint"));
  for (int i = 0; i < 6; ++i) {
    Batch got = b->next();
    EXPECT_EQ(got.ids, expected[i].ids);
    EXPECT_TRUE(torch::equal(got.input_ids, expected[i].input_ids));
    EXPECT_TRUE(torch::equal(got.labels, expected[i].labels));
    EXPECT_TRUE(torch::equal(got.images.pixel_values, expected[i].images.pixel_values));
  }
  EXPECT_THROW(b->seek(LoaderPosition{0, 5}), vlsi::Error);
}

TEST(Loader, SamplesThatFailWhilePreparedFollowThePolicy) {
  ShapesData s = make_dataset("bad", 10);
  std::filesystem::remove(s.dir + "/images/" + s.records[3].images[0]);  // vanished after validation
  LoaderOptions o = opts(10, 0);
  o.shuffle = false;
  auto skip = make_loader(s, o);
  Batch b = skip->next();
  EXPECT_EQ(b.ids.size(), 9u);
  EXPECT_EQ(b.images.num_images(), 9);
  EXPECT_EQ(skip->skipped(), (std::map<std::string, size_t>{{reason::bad_image, 1}}));
  EXPECT_NE(skip->skipped_summary().find("skipped 1 samples (bad_image 1); first: " + s.records[3].location),
            std::string::npos) << skip->skipped_summary();

  o.policy = BadRecordPolicy::fail;
  auto fail = make_loader(s, o);
  try {
    fail->next();
    FAIL() << "expected the bad sample to stop the loader";
  } catch (const BadRecord& e) {
    EXPECT_NE(std::string(e.what()).find(s.records[3].location + ": record '" + s.records[3].id + "'"),
              std::string::npos) << e.what();
  }
  EXPECT_THROW(fail->next(), BadRecord);  // stays failed

  // Too long for max_length: skipped as too_long; all of them -> a clear error.
  auto tiny = make_loader(s, opts(5, 0), 8);
  EXPECT_THROW(tiny->next(), vlsi::Error);
}

TEST(Loader, ShutsDownCleanlyWhilePrefetching) {
  ShapesData s = make_dataset("stop", 12);
  for (int i = 0; i < 5; ++i) {
    auto l = make_loader(s, opts(2, uint64_t(i)));
    if (i % 2) l->next();
  }  // destructors join threads blocked on a full queue
  SUCCEED();
}
