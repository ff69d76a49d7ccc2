#include <gtest/gtest.h>

#include "vlsi/eval/answer_match.h"
#include "vlsi/eval/scoreboard.h"
#include "vlsi/io/error.h"

using namespace vlsi::eval;

TEST(AnswerMatch, MultipleChoice) {
  auto t = AnswerType::MultipleChoice;
  EXPECT_EQ(normalize_answer("B", t), "B");
  EXPECT_EQ(normalize_answer(" b ", t), "B");
  EXPECT_EQ(normalize_answer("(C) red circle", t), "C");
  EXPECT_EQ(normalize_answer("The answer is D.", t), "D");
  EXPECT_EQ(normalize_answer("Blue", t), "");  // no standalone capital letter
  EXPECT_TRUE(answers_match("A.", "A", t));
  EXPECT_FALSE(answers_match("B", "A", t));
}

TEST(AnswerMatch, YesNoNumberText) {
  EXPECT_EQ(normalize_answer("Yes, it is.", AnswerType::YesNo), "yes");
  EXPECT_EQ(normalize_answer("no", AnswerType::YesNo), "no");
  EXPECT_EQ(normalize_answer("maybe", AnswerType::YesNo), "");
  EXPECT_EQ(normalize_answer("There are 3 circles", AnswerType::Number), "3");
  EXPECT_EQ(normalize_answer("three", AnswerType::Number), "3");
  EXPECT_EQ(normalize_answer("-2", AnswerType::Number), "-2");
  EXPECT_EQ(normalize_answer("007", AnswerType::Number), "7");
  EXPECT_EQ(normalize_answer("-0", AnswerType::Number), "0");
  EXPECT_EQ(normalize_answer("-007", AnswerType::Number), "-7");
  // Longer than int64 (a model may generate it): compared as digits, not thrown out of eval.
  EXPECT_EQ(normalize_answer("00123456789012345678901234567890", AnswerType::Number), "123456789012345678901234567890");
  EXPECT_EQ(normalize_answer("The Red circle.", AnswerType::Text), "red circle");
  EXPECT_TRUE(answers_match("Red", "red", AnswerType::Text));
  EXPECT_FALSE(answers_match("", "", AnswerType::Text));  // empty never counts as correct
  EXPECT_THROW(parse_answer_type("bool", "x.jsonl:3"), vlsi::Error);
  EXPECT_EQ(parse_answer_type("number", "x"), AnswerType::Number);
}

TEST(Scoreboard, MicroAndMacro) {
  Scoreboard s;
  s.add("a", true);
  s.add("a", true);
  s.add("a", false);
  s.add("b", false);
  EXPECT_DOUBLE_EQ(s.overall(), 0.5);
  EXPECT_DOUBLE_EQ(s.accuracy("a"), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.macro(), (2.0 / 3.0 + 0.0) / 2.0);
  auto j = s.to_json();
  EXPECT_EQ(j["categories"]["a"]["total"], 3);
  EXPECT_EQ(j["overall"]["correct"], 2);
}
