// The three benchmark rules on hand-computed cases.
#include <gtest/gtest.h>

#include "vlsi/eval/circular_mcq_score.h"
#include "vlsi/eval/mme_score.h"
#include "vlsi/eval/pope_score.h"

namespace benchmark_scores_test {
using namespace vlsi::eval;

// Question i rotation k of a four-option question whose right option text is "cat".
BenchmarkQuestion rotation(int64_t question, int k, const std::string& category) {
  const std::vector<std::string> texts = {"cat", "dog", "cow", "pig"};
  BenchmarkQuestion q;
  q.index = std::to_string(int64_t(k) * 1000000 + question);
  q.group = std::to_string(question);
  for (int j = 0; j < 4; ++j) q.options.push_back({char('A' + j), texts[size_t((j + k) % 4)]});
  q.answer = std::string(1, char('A' + (4 - k) % 4));
  q.category = category;
  q.l2_category = "perception";
  return q;
}

TEST(CircularMcq, EveryRotationMustBeRight) {
  std::vector<BenchmarkQuestion> rows;
  std::vector<std::string> preds;
  for (int k = 0; k < 4; ++k) {  // question 0: all four rotations answered by the right letter
    rows.push_back(rotation(0, k, "animals"));
    preds.push_back(rows.back().answer);
  }
  for (int k = 0; k < 4; ++k) {  // question 1: by text, but rotation 2 answers "dog"
    rows.push_back(rotation(1, k, "animals"));
    preds.push_back(k == 2 ? "dog" : "It is a cat.");
  }
  for (int k = 0; k < 4; ++k) {  // question 2 (other category): rotation 3 unreadable
    rows.push_back(rotation(2, k, "farm"));
    preds.push_back(k == 3 ? "no idea" : rows.back().answer);
  }
  auto s = score_circular_mcq(rows, preds);
  ASSERT_EQ(s.questions.size(), 3u);
  EXPECT_TRUE(s.questions[0].hit);
  EXPECT_FALSE(s.questions[1].hit);
  EXPECT_FALSE(s.questions[2].hit);
  EXPECT_EQ(s.questions[1].rotations, 4u);
  EXPECT_DOUBLE_EQ(s.overall(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(s.by_category.accuracy("animals"), 0.5);
  EXPECT_DOUBLE_EQ(s.by_category.accuracy("farm"), 0.0);
  EXPECT_DOUBLE_EQ(s.row_accuracy(), 10.0 / 12);  // two wrong rows of twelve
  EXPECT_EQ(s.extracted[6], "D");                  // "dog" is option D in rotation 2
  EXPECT_EQ(s.extracted[11], "");
  EXPECT_EQ(s.to_json()["l2_categories"]["perception"]["total"], 3);
}

TEST(CircularMcq, OrphanRotationsAreNotScoredAndPlainSetsAreVanilla) {
  std::vector<BenchmarkQuestion> rows = {rotation(5, 1, "x"), rotation(6, 0, "x")};  // group 5 has no main row
  auto s = score_circular_mcq(rows, {rows[0].answer, "A"});
  EXPECT_EQ(s.orphan_rows, 1u);
  ASSERT_EQ(s.questions.size(), 1u);
  EXPECT_TRUE(s.questions[0].hit);
  EXPECT_THROW(score_circular_mcq(rows, {"A"}), vlsi::Error);
}

BenchmarkQuestion yes_no(const std::string& image, const std::string& answer, const std::string& category) {
  BenchmarkQuestion q;
  q.index = image + answer;
  q.image_key = image;
  q.answer = answer;
  q.category = category;
  return q;
}

TEST(Mme, AccAndAccPlusPerImagePair) {
  // color: image 1 both right, image 2 one wrong -> acc 3/4, acc+ 1/2, score 125.
  // count: image 3 both wrong -> acc 0, acc+ 0. custom (l2 "cognition"): one pair right -> 200.
  std::vector<BenchmarkQuestion> rows = {yes_no("1", "Yes", "color"), yes_no("1", "No", "color"),
                                         yes_no("2", "Yes", "color"), yes_no("2", "No", "color"),
                                         yes_no("3", "Yes", "count"), yes_no("3", "No", "count"),
                                         yes_no("4", "Yes", "shapes"), yes_no("4", "No", "shapes")};
  rows[6].l2_category = rows[7].l2_category = "cognition";
  auto s = score_mme(rows, {"Yes", "No, it is not.", "yes", "Yes", "No", "yes", "Yes.", "no"});
  ASSERT_EQ(s.categories.size(), 3u);
  const MmeCategory& color = s.categories[0];
  EXPECT_EQ(color.name, "color");
  EXPECT_EQ(color.right, 3);
  EXPECT_EQ(color.images, 2);
  EXPECT_EQ(color.images_all_right, 1);
  EXPECT_DOUBLE_EQ(color.acc(), 0.75);
  EXPECT_DOUBLE_EQ(color.acc_plus(), 0.5);
  EXPECT_DOUBLE_EQ(color.score(), 125.0);
  EXPECT_DOUBLE_EQ(s.categories[1].score(), 0.0);
  EXPECT_DOUBLE_EQ(s.perception, 125.0);  // color + count
  EXPECT_DOUBLE_EQ(s.cognition, 200.0);   // shapes, by its l2-category
  EXPECT_EQ(s.extracted[1], "No");
}

TEST(Mme, OneWrongInAPairCountsHalfForAccAndZeroForAccPlus) {
  std::vector<BenchmarkQuestion> rows = {yes_no("a", "Yes", "existence"), yes_no("a", "No", "existence")};
  auto s = score_mme(rows, {"Yes", "Yes"});
  EXPECT_DOUBLE_EQ(s.categories[0].acc(), 0.5);
  EXPECT_DOUBLE_EQ(s.categories[0].acc_plus(), 0.0);
  EXPECT_DOUBLE_EQ(s.perception, 50.0);
}

TEST(Pope, CountsAndRatios) {
  // answers:     Y   Y   Y   N   N   N   N   Y
  // predictions: Y   Y   N   Y   N   N   ?   ?   (? = Unknown, a "no" for F1)
  // TP 2, FN 2 (one Unknown), FP 1, TN 3 (one Unknown); right 4 of 8.
  std::vector<BenchmarkQuestion> rows;
  const std::vector<std::string> answers = {"Yes", "Yes", "Yes", "No", "No", "No", "No", "Yes"};
  for (size_t i = 0; i < answers.size(); ++i) rows.push_back(yes_no(std::to_string(i), answers[i], i < 4 ? "random" : "popular"));
  auto s = score_pope(rows, {"Yes", "yes.", "No", "Yes", "no", "No", "maybe", "hmm"});
  EXPECT_EQ(s.overall.tp, 2);
  EXPECT_EQ(s.overall.fp, 1);
  EXPECT_EQ(s.overall.fn, 2);
  EXPECT_EQ(s.overall.tn, 3);
  EXPECT_EQ(s.overall.unknown, 2);
  EXPECT_DOUBLE_EQ(s.overall.accuracy(), 0.5);
  EXPECT_DOUBLE_EQ(s.overall.precision(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(s.overall.recall(), 0.5);
  EXPECT_NEAR(s.overall.f1(), 4.0 / 7, 1e-12);
  EXPECT_DOUBLE_EQ(s.overall.yes_ratio(), 3.0 / 8);
  // random: TP 2, FN 1, FP 1 -> precision 2/3, recall 2/3; popular: no Yes said -> 0, 0, 0.
  EXPECT_DOUBLE_EQ(s.splits.at("random").f1(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(s.splits.at("popular").precision(), 0.0);
  EXPECT_DOUBLE_EQ(s.splits.at("popular").f1(), 0.0);
  EXPECT_DOUBLE_EQ(s.splits.at("popular").accuracy(), 0.5);
}

TEST(Pope, CommaSeparatedCategoriesCountInEachSplit) {
  std::vector<BenchmarkQuestion> rows = {yes_no("0", "Yes", "adversarial,popular")};
  auto s = score_pope(rows, {"Yes"});
  EXPECT_EQ(s.splits.at("adversarial").tp, 1);
  EXPECT_EQ(s.splits.at("popular").tp, 1);
  EXPECT_EQ(s.overall.tp, 2);  // POPE_rating explodes before counting
}

}  // namespace benchmark_scores_test
