// `vlsi data shapes --format vlmevalkit`: the TSVs' structure (MMBench
// rotations, MME pairs, POPE probes per split).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "vlsi/data/shapes_dataset.h"
#include "vlsi/io/tsv_table.h"

namespace shapes_vlmevalkit_test {
using namespace vlsi;
namespace fs = std::filesystem;

std::string field(const io::TsvTable& t, size_t row, const char* column) { return t.rows[row][size_t(t.column(column))]; }

TEST(ShapesVlmevalkit, RotationsPairsAndProbes) {
  const std::string dir = (fs::temp_directory_path() / ("vlsi_shapes_vk_" + std::to_string(::getpid()))).string();
  data::shapes::ShapesOptions o;
  o.out_dir = dir;
  o.seed = 11;
  o.test = 21;
  o.image_size = 32;
  o.vlmevalkit = true;
  o.version = 2;  // the counts below are version 2's seven categories (test_shapes_v3.cpp: version 3)
  auto summary = data::shapes::generate_shapes_dataset(o);

  // MCQ: 15 non-yes/no questions (3 of each of five categories), 4 rotations each.
  io::TsvTable mcq = io::read_tsv_file(dir + "/vlmevalkit/shapes_mcq.tsv");
  ASSERT_EQ(mcq.rows.size(), 60u);
  EXPECT_EQ(summary.vlmevalkit["mcq_questions"], 15);
  std::map<int64_t, std::set<std::string>> right_text;  // question -> text of its right option, per rotation
  std::map<int64_t, std::set<std::string>> letters;
  for (size_t r = 0; r < mcq.rows.size(); ++r) {
    const int64_t index = std::stoll(field(mcq, r, "index")), q = index % 1000000;
    const std::string answer = field(mcq, r, "answer");
    right_text[q].insert(field(mcq, r, answer.c_str()));
    letters[q].insert(answer);
    const std::string image = field(mcq, r, "image");
    if (index == q) EXPECT_GT(image.size(), 64u);  // the main row holds the image
    else EXPECT_EQ(image, std::to_string(q));      // rotations point at it
  }
  for (const auto& [q, texts] : right_text) {
    EXPECT_EQ(texts.size(), 1u) << "question " << q << ": the right option changes text between rotations";
    EXPECT_EQ(letters[q].size(), 4u) << "question " << q << ": the answer letter must visit every position";
  }

  // MME: two questions per image, one Yes and one No, the same image_path.
  io::TsvTable yorn = io::read_tsv_file(dir + "/vlmevalkit/shapes_yorn.tsv");
  ASSERT_EQ(yorn.rows.size() % 2, 0u);
  ASSERT_GT(yorn.rows.size(), 0u);
  std::set<std::string> categories;
  for (size_t r = 0; r < yorn.rows.size(); r += 2) {
    EXPECT_EQ(field(yorn, r, "image_path"), field(yorn, r + 1, "image_path"));
    EXPECT_NE(field(yorn, r, "answer"), field(yorn, r + 1, "answer"));
    EXPECT_EQ(field(yorn, r + 1, "image"), field(yorn, r, "index"));
    categories.insert(field(yorn, r, "category"));
  }
  EXPECT_EQ(categories, (std::set<std::string>{"color", "count", "existence", "position"}));

  // POPE: per image and split one Yes and one No presence question.
  io::TsvTable pope = io::read_tsv_file(dir + "/vlmevalkit/shapes_pope.tsv");
  ASSERT_EQ(pope.rows.size(), yorn.rows.size() * 3);
  std::map<std::string, int> yes_per_split;
  for (size_t r = 0; r < pope.rows.size(); ++r) {
    EXPECT_EQ(field(pope, r, "question").rfind("Is there a", 0), 0u);
    yes_per_split[field(pope, r, "category")] += field(pope, r, "answer") == "Yes";
  }
  for (const char* split : {"adversarial", "popular", "random"}) EXPECT_EQ(yes_per_split[split], int(yorn.rows.size() / 2));
  fs::remove_all(dir);
}

}  // namespace shapes_vlmevalkit_test
