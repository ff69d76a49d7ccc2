// Generator version 3 of the shapes benchmark: version 2's files unchanged
// (a golden hash recorded with the version-2-only code), and the three
// multi-step categories answered as an independent reading of the scene says.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"
#include "vlsi/data/shapes_dataset.h"
#include "vlsi/data/shapes_draw.h"
#include "vlsi/data/shapes_tasks.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/tsv_table.h"

namespace shapes_v3_test {

namespace fs = std::filesystem;
namespace sh = vlsi::data::shapes;
using vlsi::data::Rng;
using vlsi::data::testing::read_text;
using vlsi::data::testing::scratch_dir;

// FNV-1a 64 over every written file, in sorted relative-path order, each as
// its name, a NUL, its bytes and a NUL: one number for a whole dataset folder.
uint64_t folder_hash(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) names.push_back(fs::relative(e.path(), dir).generic_string());
  std::sort(names.begin(), names.end());
  uint64_t h = 0xcbf29ce484222325ULL;
  auto eat = [&](const std::string& bytes) {
    for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
    h = (h ^ 0) * 0x100000001b3ULL;
  };
  for (const auto& n : names) {
    eat(n);
    eat(read_text(dir + "/" + n));
  }
  return h;
}

sh::ShapesOptions small_options(const std::string& dir, int version, int grid) {
  sh::ShapesOptions o;
  o.out_dir = dir;
  o.seed = 7;
  o.train = 70;
  o.val = 14;
  o.test = 14;
  o.image_size = 64;
  o.grid = grid;
  o.describe_train = true;
  o.version = version;
  return o;
}

int colour_index(const std::string& name) {
  const auto& p = sh::palette();
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i].name == name) return int(i);
  ADD_FAILURE() << "no colour " << name;
  return -1;
}

sh::ShapeKind shape_by_name(const std::string& name, bool plural = false) {
  for (sh::ShapeKind k : sh::all_shapes())
    if (name == (plural ? sh::shape_plural(k) : sh::shape_name(k))) return k;
  ADD_FAILURE() << "no shape " << name;
  return sh::ShapeKind::circle;
}

// The text between `before` and `after` in `s` (both must occur, in order).
std::string between(const std::string& s, const std::string& before, const std::string& after) {
  const size_t b = s.find(before);
  if (b == std::string::npos) return "";
  const size_t from = b + before.size();
  const size_t e = s.find(after, from);
  return e == std::string::npos ? "" : s.substr(from, e - from);
}

std::string attribute_of(const sh::Object& o, bool colour) {
  return colour ? sh::palette()[o.colour].name : std::string(sh::shape_name(o.kind));
}

// The relational answer read off the objects: the referent (extreme of a
// shape, or the one colour-shape pair), then the nearest object or the only
// one in the asked direction; every deciding gap at least `margin` pixels.
std::string relational_answer(const sh::Sample& s, double margin) {
  const std::string& q = s.question;
  const bool ask_colour = q.rfind("What colour is the object ", 0) == 0;
  EXPECT_TRUE(ask_colour || q.rfind("What shape is the object ", 0) == 0) << q;
  // Offset of `o` from `r` in a direction word: > 0 when it lies that way.
  auto toward = [](const sh::Object& r, const sh::Object& o, const std::string& dir) {
    if (dir == "left") return r.x - o.x;
    if (dir == "right") return o.x - r.x;
    if (dir == "above" || dir == "top") return r.y - o.y;
    return o.y - r.y;
  };
  const std::string ref_text = between(q, "nearest to the ", "?");
  if (!ref_text.empty()) {
    const std::string extreme = ref_text.substr(0, ref_text.find(' '));
    const sh::ShapeKind kind = shape_by_name(ref_text.substr(ref_text.find(' ') + 1));
    const std::string dir = extreme.substr(0, extreme.size() - 4);  // leftmost -> left
    std::vector<size_t> same;
    for (size_t i = 0; i < s.objects.size(); ++i)
      if (s.objects[i].kind == kind) same.push_back(i);
    EXPECT_GE(same.size(), 2u) << q;
    // How far each lies in the extreme's direction; the referent lies furthest.
    auto score = [&](size_t i) { return toward(sh::Object{}, s.objects[i], dir); };
    std::sort(same.begin(), same.end(), [&](size_t a, size_t b) { return score(a) > score(b); });
    const sh::Object& ref = s.objects[same[0]];
    for (size_t k = 1; k < same.size(); ++k) EXPECT_GE(toward(s.objects[same[k]], ref, dir), margin) << q;
    std::vector<std::pair<double, size_t>> by_distance;
    for (size_t i = 0; i < s.objects.size(); ++i)
      if (i != same[0]) by_distance.push_back({std::hypot(s.objects[i].x - ref.x, s.objects[i].y - ref.y), i});
    std::sort(by_distance.begin(), by_distance.end());
    EXPECT_GE(by_distance[1].first - by_distance[0].first, margin) << q;
    return attribute_of(s.objects[by_distance[0].second], ask_colour);
  }
  std::string dir;
  for (const char* d : {"to the left of", "to the right of", "above", "below"})
    if (q.find(std::string(" is the object ") + d + " the ") != std::string::npos) dir = d;
  EXPECT_FALSE(dir.empty()) << q;
  const std::string pair = between(q, dir + " the ", "?");
  const int c = colour_index(pair.substr(0, pair.find(' ')));
  const sh::ShapeKind kind = shape_by_name(pair.substr(pair.find(' ') + 1));
  const std::string word = dir == "to the left of" ? "left" : dir == "to the right of" ? "right" : dir;
  std::vector<size_t> refs, that_way;
  for (size_t i = 0; i < s.objects.size(); ++i)
    if (s.objects[i].colour == c && s.objects[i].kind == kind) refs.push_back(i);
  EXPECT_EQ(refs.size(), 1u) << q;
  if (refs.size() != 1) return "";
  for (size_t i = 0; i < s.objects.size(); ++i)
    if (i != refs[0] && toward(s.objects[refs[0]], s.objects[i], word) > 0) that_way.push_back(i);
  EXPECT_EQ(that_way.size(), 1u) << q;
  if (that_way.size() != 1) return "";
  EXPECT_GE(toward(s.objects[refs[0]], s.objects[that_way[0]], word), margin) << q;
  return attribute_of(s.objects[that_way[0]], ask_colour);
}

// Counts of a "red shapes" / "circles" phrase, or of each colour.
int count_phrase(const std::vector<sh::Object>& objs, const std::string& phrase) {
  int n = 0;
  if (phrase.size() > 7 && phrase.substr(phrase.size() - 7) == " shapes") {
    const int c = colour_index(phrase.substr(0, phrase.size() - 7));
    for (const auto& o : objs) n += o.colour == c;
  } else {
    const sh::ShapeKind k = shape_by_name(phrase, true);
    for (const auto& o : objs) n += o.kind == k;
  }
  return n;
}

std::string comparison_answer(const sh::Sample& s) {
  const std::string& q = s.question;
  if (q.rfind("Are there more ", 0) == 0) {
    const std::string first = between(q, "Are there more ", " than "), second = between(q, " than ", "?");
    // One set by colour, one by shape: the sets overlap.
    EXPECT_NE(first.size() > 7 && first.substr(first.size() - 7) == " shapes",
              second.size() > 7 && second.substr(second.size() - 7) == " shapes")
        << q;
    const int a = count_phrase(s.objects, first), b = count_phrase(s.objects, second);
    EXPECT_NE(a, b) << q;
    return a > b ? "yes" : "no";
  }
  const std::string list = between(q, "Which colour is most frequent: ", "?");
  const std::string c0 = list.substr(0, list.find(", ")), rest = list.substr(list.find(", ") + 2);
  const std::string c1 = rest.substr(0, rest.find(" or ")), c2 = rest.substr(rest.find(" or ") + 4);
  std::vector<int> count(sh::palette().size(), 0);
  for (const auto& o : s.objects) ++count[size_t(o.colour)];
  std::string best;
  int best_n = -1;
  for (const std::string& c : {c0, c1, c2})
    if (count[size_t(colour_index(c))] > best_n) best = c, best_n = count[size_t(colour_index(c))];
  // A strict winner over every colour in the image, named or not.
  for (size_t c = 0; c < count.size(); ++c)
    if (sh::palette()[c].name != best) EXPECT_LT(count[c], best_n) << q;
  return best;
}

std::string arithmetic_answer(const sh::Sample& s) {
  const std::string& q = s.question;
  auto value = [&](const std::string& colour) {
    for (const auto& b : s.bars)
      if (sh::palette()[b.colour].name == colour) return b.value;
    ADD_FAILURE() << "no " << colour << " bar: " << q;
    return 0;
  };
  if (q.rfind("What is the sum of the ", 0) == 0)
    return std::to_string(value(between(q, "sum of the ", " and ")) + value(between(q, " and ", " bars?")));
  if (q.rfind("How much taller is the tallest bar", 0) == 0) {
    int lo = 99, hi = 0;
    for (const auto& b : s.bars) lo = std::min(lo, b.value), hi = std::max(hi, b.value);
    return std::to_string(hi - lo);
  }
  return std::to_string(value(between(q, "taller is the ", " bar than")) - value(between(q, " bar than the ", " bar?")));
}

// The chart's pixels show the bars: each bar's colour fills its column up to
// its value and stops there (geometry of shapes_bar_chart.cpp at 64 pixels).
void expect_bars_drawn(const sh::Sample& s) {
  const double left = 6.4, right = 60.8, bottom = 58.88, unit = (bottom - 3.84) / 6.3;
  const double slot = (right - left) / double(s.bars.size());
  for (size_t i = 0; i < s.bars.size(); ++i) {
    const sh::Rgb want = sh::palette()[s.bars[i].colour].rgb;
    const int x = int(left + (i + 0.5) * slot);
    auto is_bar = [&](double height) {
      const uint8_t* p = s.image.pixel(x, int(bottom - height * unit));
      return p[0] == want.r && p[1] == want.g && p[2] == want.b;
    };
    EXPECT_TRUE(is_bar(s.bars[i].value - 0.3)) << s.description << " bar " << i;
    EXPECT_FALSE(is_bar(s.bars[i].value + 0.3)) << s.description << " bar " << i;
  }
}

TEST(ShapesV3, VersionTwoFilesAreByteIdenticalToTheRecordedGolden) {
  // Hashes of every file (jsonl, meta.json, PNGs) written by version 2 before
  // version 3 existed (commit 76fb5a2); any change to v2's draws or bytes breaks them.
  for (const auto& [grid, golden] : std::vector<std::pair<int, uint64_t>>{{4, 0xf62061bef2b78f1aULL}, {0, 0xada0996a950c041aULL}}) {
    const std::string dir = scratch_dir("v2g" + std::to_string(grid));
    sh::generate_shapes_dataset(small_options(dir, 2, grid));
    EXPECT_EQ(folder_hash(dir), golden) << "grid " << grid;
    const auto meta = vlsi::io::read_json_file(dir + "/meta.json");
    EXPECT_EQ(meta["version"], 2);
    EXPECT_EQ(meta["categories"].size(), 7u);
    EXPECT_FALSE(meta["settings"].contains("version"));
  }
}

TEST(ShapesV3, MetaListsTenCategoriesInRoundRobinAndRecordsTheVersion) {
  const std::string dir = scratch_dir("v3meta");
  sh::ShapesOptions o = small_options(dir, 3, 4);
  o.train = 20, o.val = 0, o.test = 10;
  const auto summary = sh::generate_shapes_dataset(o);
  EXPECT_EQ(sh::ShapesOptions{}.version, 3);  // newest by default
  const auto meta = vlsi::io::read_json_file(dir + "/meta.json");
  EXPECT_EQ(meta, summary.meta);
  EXPECT_EQ(meta["version"], 3);
  EXPECT_EQ(meta["settings"]["version"], 3);
  const std::vector<std::string> ten = {"attribute", "counting",  "spatial",    "existence",  "pattern",
                                        "chart",     "reasoning", "relational", "comparison", "arithmetic"};
  EXPECT_EQ(meta["categories"].get<std::vector<std::string>>(), ten);
  for (const auto& c : ten) EXPECT_EQ(meta["splits"]["train"]["categories"][c], 2) << c;
  std::vector<std::string> order;
  std::istringstream lines(read_text(dir + "/test.jsonl"));
  for (std::string line; std::getline(lines, line);)
    order.push_back(nlohmann::json::parse(line)["category"].get<std::string>());
  EXPECT_EQ(order, ten);
  // Version 2's folders never had the key; a v3 request must not match them.
  o.version = 2;
  EXPECT_FALSE(sh::shapes_settings(o).contains("version"));
}

TEST(ShapesV3, OtherVersionsAreRejectedNamingTheField) {
  for (int bad : {1, 4}) {
    sh::ShapesOptions o = small_options(scratch_dir("bad"), bad, 4);
    try {
      sh::generate_shapes_dataset(o);
      ADD_FAILURE() << "version " << bad << " accepted";
    } catch (const vlsi::Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("version"), std::string::npos) << what;
      EXPECT_NE(what.find(std::to_string(bad)), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
    EXPECT_THROW(sh::categories_for_version(bad), vlsi::Error);
  }
  EXPECT_EQ(sh::categories_for_version(2).size(), 7u);
  EXPECT_EQ(sh::categories_for_version(3).size(), 10u);
}

TEST(ShapesV3, RelationalAnswersFollowFromTheObjectsAndAreBalanced) {
  for (int grid : {0, 4}) {
    Rng rng(21 + grid);
    std::map<std::string, int> answers;
    std::map<bool, int> chains;  // nearest-to-extreme vs direction-from-pair
    for (uint64_t slot = 0; slot < 360; ++slot) {
      const sh::Sample s = sh::make_sample(sh::Category::relational, slot, rng, sh::Canvas{64, grid});
      ASSERT_EQ(s.answer_type, "text");
      ASSERT_GE(s.objects.size(), 4u);
      EXPECT_EQ(s.question.substr(s.question.size() - 22), " Answer with one word.") << s.question;
      EXPECT_EQ(relational_answer(s, 6.4 - 1e-9), s.answer) << "grid " << grid << ": " << s.question << " | "
                                                              << s.description;
      EXPECT_FALSE(s.description.empty());
      ++answers[s.answer];
      ++chains[s.question.find("nearest") != std::string::npos];
    }
    // 180 colour questions over six colours, 180 shape questions over five shapes.
    for (const auto& c : sh::palette()) EXPECT_EQ(answers[c.name], 30) << c.name;
    for (sh::ShapeKind k : sh::all_shapes()) EXPECT_EQ(answers[sh::shape_name(k)], 36) << sh::shape_name(k);
    EXPECT_EQ(chains[true], 180);
  }
}

TEST(ShapesV3, ComparisonAnswersFollowFromTheCountsAndAreBalanced) {
  for (int grid : {0, 4}) {
    Rng rng(5 + grid);
    std::map<std::string, int> answers;
    for (uint64_t slot = 0; slot < 240; ++slot) {
      const sh::Sample s = sh::make_sample(sh::Category::comparison, slot, rng, sh::Canvas{64, grid});
      EXPECT_EQ(s.answer_type, s.answer == "yes" || s.answer == "no" ? "yesno" : "text") << s.question;
      const std::string hint = s.answer_type == "yesno" ? " Answer yes or no." : " Answer with one word.";
      EXPECT_EQ(s.question.substr(s.question.size() - hint.size()), hint) << s.question;
      EXPECT_EQ(comparison_answer(s), s.answer) << s.question << " | " << s.description;
      EXPECT_LE(s.objects.size(), 9u);
      ++answers[s.answer];
    }
    EXPECT_EQ(answers["yes"], 60);
    EXPECT_EQ(answers["no"], 60);
    for (const auto& c : sh::palette()) EXPECT_EQ(answers[c.name], 20) << c.name;
  }
}

TEST(ShapesV3, ArithmeticAnswersFollowFromTheBarsAndAreBalanced) {
  Rng rng(17);
  std::map<std::string, std::map<std::string, int>> answers;  // question kind -> answer -> count
  for (uint64_t slot = 0; slot < 660; ++slot) {
    const sh::Sample s = sh::make_sample(sh::Category::arithmetic, slot, rng, 64);
    ASSERT_EQ(s.answer_type, "number");
    ASSERT_GE(s.bars.size(), 3u);
    EXPECT_TRUE(s.objects.empty());
    EXPECT_EQ(s.question.substr(s.question.size() - 22), " Answer with a number.") << s.question;
    EXPECT_EQ(arithmetic_answer(s), s.answer) << s.question << " | " << s.description;
    std::string listed;
    for (const auto& b : s.bars) listed += (listed.empty() ? "" : ", ") + sh::palette()[b.colour].name + " " + std::to_string(b.value);
    EXPECT_EQ(s.description, listed);
    expect_bars_drawn(s);
    ++answers[s.question.substr(0, 20)][s.answer];
  }
  ASSERT_EQ(answers.size(), 2u);  // "What is the sum of t", "How much taller is t"
  for (int v = 2; v <= 12; ++v) EXPECT_EQ(answers["What is the sum of t"][std::to_string(v)], 20) << v;
  for (int v = 1; v <= 5; ++v) EXPECT_EQ(answers["How much taller is t"][std::to_string(v)], 88) << v;
  // Version 2's chart exposes its bars too, consistent with what it draws.
  for (uint64_t slot = 0; slot < 24; ++slot) expect_bars_drawn(sh::make_sample(sh::Category::chart, slot, rng, 64));
}

TEST(ShapesV3, VlmevalkitKeepsEveryArithmeticQuestionAsReasoning) {
  // 30 arithmetic samples reach sums of 10 and 11, outside version 2's 1-9
  // distractor pool: they still get four distinct options, none dropped.
  const std::string dir = scratch_dir("vk");
  sh::ShapesOptions o = small_options(dir, 3, 4);
  o.train = 0, o.val = 0, o.test = 300;
  o.vlmevalkit = true;
  sh::generate_shapes_dataset(o);
  const vlsi::io::TsvTable mcq = vlsi::io::read_tsv_file(dir + "/vlmevalkit/shapes_mcq.tsv");
  auto field = [&](size_t r, const std::string& column) { return mcq.rows[r][size_t(mcq.column(column))]; };
  int arithmetic = 0, above_nine = 0;
  std::set<std::string> new_categories;
  for (size_t r = 0; r < mcq.rows.size(); ++r) {
    const std::string category = field(r, "category");
    if (category == "relational" || category == "comparison" || category == "arithmetic") {
      EXPECT_EQ(field(r, "l2-category"), "reasoning") << category;
      new_categories.insert(category);
    }
    if (category != "arithmetic" || std::stoll(field(r, "index")) >= 1000000) continue;
    ++arithmetic;
    std::set<std::string> options;
    for (const char* letter : {"A", "B", "C", "D"}) options.insert(field(r, letter));
    EXPECT_EQ(options.size(), 4u) << field(r, "question");
    above_nine += std::stoi(field(r, field(r, "answer"))) > 9;
  }
  EXPECT_EQ(arithmetic, 30);
  EXPECT_EQ(above_nine, 2);  // slots 24 and 27: sums 10 and 11
  EXPECT_EQ(new_categories, (std::set<std::string>{"relational", "comparison", "arithmetic"}));
}

}  // namespace shapes_v3_test
