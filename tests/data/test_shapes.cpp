#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "test_util.h"
#include "vlsi/data/image.h"
#include "vlsi/data/record.h"
#include "vlsi/data/shapes_dataset.h"
#include "vlsi/data/shapes_draw.h"
#include "vlsi/data/shapes_scene.h"
#include "vlsi/data/shapes_tasks.h"
#include "vlsi/io/json_util.h"

using namespace vlsi::data;
using vlsi::data::testing::read_text;
using vlsi::data::testing::scratch_dir;
namespace fs = std::filesystem;

namespace {

uint64_t fnv(const std::string& bytes, uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// Relative path -> content hash of every file under `dir`.
std::map<std::string, uint64_t> tree_hashes(const std::string& dir) {
  std::map<std::string, uint64_t> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = fnv(read_text(e.path().string()));
  return out;
}

shapes::ShapesOptions options(const std::string& dir, uint64_t seed, int64_t train, int64_t val, int64_t test) {
  shapes::ShapesOptions o;
  o.out_dir = dir;
  o.seed = seed;
  o.train = train;
  o.val = val;
  o.test = test;
  o.version = 2;  // these tests pin version 2's seven categories (test_shapes_v3.cpp: version 3)
  return o;
}

RecordSet load_split(const std::string& dir, const std::string& split) {
  RecordLoadOptions opt;
  opt.image_dir = dir + "/images";
  opt.image_check = ImageCheck::decode;
  opt.policy = BadRecordPolicy::fail;
  return load_records(dir + "/" + split + ".jsonl", opt);
}

}  // namespace

TEST(Shapes, SameSeedGivesIdenticalFilesOtherSeedDiffers) {
  std::string a = scratch_dir("a"), b = scratch_dir("b"), c = scratch_dir("c");
  shapes::generate_shapes_dataset(options(a, 42, 70, 14, 14));
  shapes::generate_shapes_dataset(options(b, 42, 70, 14, 14));
  shapes::generate_shapes_dataset(options(c, 43, 70, 14, 14));
  auto ha = tree_hashes(a), hb = tree_hashes(b), hc = tree_hashes(c);
  EXPECT_EQ(ha.size(), 98u + 4u);  // images + 3 jsonl + meta.json
  EXPECT_EQ(ha, hb);
  EXPECT_NE(ha.at("train.jsonl"), hc.at("train.jsonl"));
  EXPECT_NE(ha.at("images/train_000000.png"), hc.at("images/train_000000.png"));
}

TEST(Shapes, TrainSplitDoesNotDependOnTheOtherSplitSizes) {
  std::string a = scratch_dir("a"), b = scratch_dir("b");
  shapes::generate_shapes_dataset(options(a, 5, 30, 0, 0));
  shapes::generate_shapes_dataset(options(b, 5, 30, 20, 20));
  EXPECT_EQ(read_text(a + "/train.jsonl"), read_text(b + "/train.jsonl"));
}

TEST(Shapes, RecordsAreValidAndSplitsDisjoint) {
  std::string dir = scratch_dir("d");
  auto summary = shapes::generate_shapes_dataset(options(dir, 7, 350, 70, 70));
  EXPECT_EQ(summary.records, 490);
  std::set<std::pair<uint64_t, std::string>> seen;
  std::set<std::string> ids;
  for (const char* split : {"train", "val", "test"}) {
    RecordSet set = load_split(dir, split);
    EXPECT_EQ(set.report.skipped(), 0u);
    for (const Record& r : set.records) {
      ASSERT_EQ(r.images.size(), 1u);
      // Training records add the "list the objects" exchange after the question.
      ASSERT_EQ(r.conversations.size(), std::string(split) == "train" ? 4u : 2u) << r.id;
      EXPECT_EQ(r.conversations[0].value.rfind("<image>\n", 0), 0u);
      if (r.conversations.size() == 4) {
        EXPECT_EQ(r.conversations[2].value, "List the objects from left to right.");
        EXPECT_FALSE(r.conversations[3].value.empty()) << r.id;
      }
      Image img = load_image(dir + "/images/" + r.images[0]);
      EXPECT_EQ(img.width, 64);
      EXPECT_EQ(img.height, 64);
      // Decoded pixels + question: the identity of a sample.
      std::string pixels(img.rgb.begin(), img.rgb.end());
      EXPECT_TRUE(seen.insert({fnv(pixels), r.conversations[0].value}).second) << "duplicate sample " << r.id;
      EXPECT_TRUE(ids.insert(r.id).second) << "duplicate id " << r.id;
    }
  }
  EXPECT_EQ(seen.size(), 490u);
}

TEST(Shapes, AnswersAreBalancedPerCategoryAndMetaAgrees) {
  std::string dir = scratch_dir("bal");
  const int64_t n = 7 * 360;  // 360 per category: a multiple of every stratum size
  auto summary = shapes::generate_shapes_dataset(options(dir, 11, n, 0, 0));
  RecordSet set = load_split(dir, "train");
  std::map<std::string, std::map<std::string, int>> answers;
  std::map<std::string, std::set<std::string>> types;
  for (const Record& r : set.records) {
    ++answers[r.extra_string("category")][r.conversations.at(1).value];
    types[r.extra_string("category")].insert(r.extra_string("answer_type"));
  }
  ASSERT_EQ(answers.size(), 7u);
  auto expect_uniform = [&](const std::string& cat, const std::vector<std::string>& keys, int each) {
    for (const auto& k : keys) EXPECT_EQ(answers[cat][k], each) << cat << " answer " << k;
  };
  expect_uniform("existence", {"yes", "no"}, 180);
  expect_uniform("spatial", {"yes", "no"}, 180);
  expect_uniform("pattern", {"A", "B", "C", "D"}, 90);
  expect_uniform("counting", {"1", "2", "3", "4", "5", "6"}, 60);
  expect_uniform("reasoning", {"1", "2", "3", "4"}, 90);
  expect_uniform("attribute", {"red", "green", "blue", "yellow", "purple", "orange"}, 30);
  expect_uniform("attribute", {"circle", "square", "triangle", "diamond", "star"}, 36);
  expect_uniform("chart", {"1", "2", "3", "4", "5", "6"}, 30);
  expect_uniform("chart", {"red", "green", "blue", "yellow", "purple", "orange"}, 30);
  EXPECT_EQ(types["pattern"], std::set<std::string>{"mc"});
  EXPECT_EQ(types["existence"], std::set<std::string>{"yesno"});
  EXPECT_EQ(types["chart"], (std::set<std::string>{"number", "text"}));

  auto meta = vlsi::io::read_json_file(dir + "/meta.json");
  EXPECT_EQ(meta, summary.meta);
  EXPECT_EQ(meta["settings"]["seed"], 11);
  EXPECT_EQ(meta["settings"]["image_size"], 64);
  for (const auto& [cat, dist] : answers) {
    EXPECT_EQ(meta["splits"]["train"]["categories"][cat], 360);
    for (const auto& [ans, count] : dist) EXPECT_EQ(meta["splits"]["train"]["answers"][cat][ans], count) << cat;
  }
}

TEST(Shapes, QuestionsNameWhatTheAnswerNeedsAndPatternOptionsAreUnique) {
  Rng rng(3);
  for (uint64_t slot = 0; slot < 48; ++slot) {
    shapes::Sample s = shapes::make_sample(shapes::Category::pattern, slot, rng, 64);
    std::set<std::string> options;
    for (char letter : std::string("ABCD")) {
      auto p = s.question.find(std::string("\n") + letter + ". ");
      ASSERT_NE(p, std::string::npos) << s.question;
      auto e = s.question.find('\n', p + 1);
      options.insert(s.question.substr(p + 4, e - p - 4));
    }
    EXPECT_EQ(options.size(), 4u) << s.question;
    EXPECT_EQ(s.answer, std::string(1, char('A' + (slot / 3) % 4)));
  }
  // A custom image size reaches every category's drawing.
  for (auto c : shapes::categories_for_version(3)) {
    shapes::Sample s = shapes::make_sample(c, 5, rng, 96);
    EXPECT_EQ(s.image.width, 96);
    EXPECT_FALSE(s.question.empty());
    EXPECT_FALSE(s.answer.empty());
  }
  EXPECT_THROW(shapes::make_sample(shapes::Category::chart, 0, rng, 8), vlsi::Error);
}

TEST(Shapes, ScenesDrawTheAskedColours) {
  // In an existence "yes" sample the queried colour is on the canvas; chart
  // answers are colours of drawn bars. Checks the rendering, not just text.
  Rng rng(9);
  for (uint64_t slot = 0; slot < 20; ++slot) {
    shapes::Sample s = shapes::make_sample(shapes::Category::attribute, slot * 2, rng, 64);  // colour questions
    const auto& pal = shapes::palette();
    auto it = std::find_if(pal.begin(), pal.end(), [&](const auto& c) { return c.name == s.answer; });
    ASSERT_NE(it, pal.end()) << s.answer;
    int exact = 0;
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x) {
        const uint8_t* p = s.image.pixel(x, y);
        exact += p[0] == it->rgb.r && p[1] == it->rgb.g && p[2] == it->rgb.b;
      }
    EXPECT_GT(exact, 6) << s.question << " -> " << s.answer;
  }
}

TEST(Shapes, DescriptionsListTheObjectsLeftToRight) {
  Rng rng(9);
  for (uint64_t slot = 0; slot < 24; ++slot) {
    // "What colour is the star?" -> the description names "<colour> star".
    shapes::Sample s = shapes::make_sample(shapes::Category::attribute, slot, rng, 64);
    const bool colour_q = s.question.rfind("What colour", 0) == 0;
    const std::string shape = colour_q ? s.question.substr(19, s.question.find('?') - 19) : s.answer;
    const std::string col = colour_q ? s.answer : s.question.substr(18, s.question.find(" object") - 18);
    EXPECT_NE(s.description.find(col + " " + shape), std::string::npos) << s.question << " -> " << s.description;
  }
  for (uint64_t slot = 0; slot < 12; ++slot) {
    shapes::Sample s = shapes::make_sample(shapes::Category::counting, slot, rng, 64);
    const size_t objects = std::count(s.description.begin(), s.description.end(), ',') + 1;
    EXPECT_GE(objects, size_t(std::stoi(s.answer))) << s.description;
    s = shapes::make_sample(shapes::Category::chart, slot, rng, 64);
    if (s.answer_type == "number")  // "What is the value of the red bar?" -> "red 4" is listed
      EXPECT_NE(s.description.find(s.question.substr(25, s.question.find(" bar") - 25) + " " + s.answer),
                std::string::npos)
          << s.question << " -> " << s.description;
  }
  shapes::ShapesOptions o = options(scratch_dir("nodesc"), 1, 14, 0, 0);
  o.describe_train = false;
  shapes::generate_shapes_dataset(o);
  for (const Record& r : load_split(o.out_dir, "train").records) EXPECT_EQ(r.conversations.size(), 2u);
}

TEST(Shapes, GridLayoutPutsEachObjectInsideItsOwnCell) {
  // With grid 4 at 64 pixels a 16-pixel vision patch sees exactly one object:
  // every cell's border rows and columns stay background, every object is centred
  // in a distinct cell, and the description runs column by column, top to bottom.
  Rng rng(5);
  const shapes::Canvas canvas{64, 4};
  for (shapes::Category c : {shapes::Category::attribute, shapes::Category::counting, shapes::Category::spatial,
                             shapes::Category::existence, shapes::Category::reasoning}) {
    for (uint64_t slot = 0; slot < 12; ++slot) {
      shapes::Sample s = shapes::make_sample(c, slot, rng, canvas);
      for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x) {
          if (x % 16 != 0 && x % 16 != 15 && y % 16 != 0 && y % 16 != 15) continue;
          const uint8_t* p = s.image.pixel(x, y);
          ASSERT_TRUE(p[0] == shapes::kBackground.r && p[1] == shapes::kBackground.g && p[2] == shapes::kBackground.b)
              << shapes::category_name(c) << " slot " << slot << ": pixel " << x << "," << y << " on a cell border";
        }
    }
  }
  std::vector<shapes::Object> objs(9);
  for (int i = 0; i < 9; ++i) objs[i].colour = i % int(shapes::palette().size());
  ASSERT_TRUE(shapes::layout_objects(objs, rng, canvas));
  std::set<std::pair<int, int>> cells;
  for (const auto& o : objs) {
    EXPECT_DOUBLE_EQ(std::fmod(o.x, 16.0), 8.0);
    EXPECT_DOUBLE_EQ(std::fmod(o.y, 16.0), 8.0);
    EXPECT_LE(shapes::shape_extent(o.kind, o.r), 7.0 + 1e-9);
    cells.insert({int(o.x) / 16, int(o.y) / 16});
  }
  EXPECT_EQ(cells.size(), 9u);
  std::vector<shapes::Object> col(2);
  col[0].x = col[1].x = 24;
  col[0].y = 40, col[1].y = 8;
  col[0].colour = 0, col[1].colour = 1;
  EXPECT_EQ(shapes::describe_objects(col), shapes::palette()[1].name + " circle, " + shapes::palette()[0].name + " circle");
  std::vector<shapes::Object> too_many(5);
  EXPECT_FALSE(shapes::layout_objects(too_many, rng, shapes::Canvas{64, 2}));
  EXPECT_THROW(shapes::make_sample(shapes::Category::counting, 0, rng, shapes::Canvas{64, 9}), vlsi::Error);
}
