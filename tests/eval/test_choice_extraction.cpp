// Answer extraction against VLMEvalKit's can_infer / YOrN_Extraction: every
// expected value below is what vlmeval/utils/matching_util.py and
// vlmeval/dataset/utils/yorn.py return for the same input (checked by running
// them on these strings).
#include <gtest/gtest.h>

#include "vlsi/eval/choice_extraction.h"

namespace choice_extraction_test {
using vlsi::eval::ChoiceOption;
using vlsi::eval::extract_choice;
using vlsi::eval::extract_yes_no;

const std::vector<ChoiceOption> kOptions = {{'A', "cat"}, {'B', "dog"}, {'C', "red circle"}, {'D', "blue square"}};

TEST(ChoiceExtraction, OptionLetter) {
  EXPECT_EQ(extract_choice("B", kOptions), "B");
  EXPECT_EQ(extract_choice("The answer is B.", kOptions), "B");
  EXPECT_EQ(extract_choice("B. cat", kOptions), "B");  // the letter wins over A's text
  EXPECT_EQ(extract_choice("(C)", kOptions), "C");
  EXPECT_EQ(extract_choice("the answer is d", kOptions), "D");
  // Verbose answers: the letter is too far from the end, "answer is **C**" names it.
  EXPECT_EQ(extract_choice("The correct answer is **C** because it is red", kOptions), "C");
  // VLMEvalKit's quirks, kept: "A" as an article, "answer is Bob".
  EXPECT_EQ(extract_choice("A red circle", kOptions), "A");
  EXPECT_EQ(extract_choice("answer is Bob", kOptions), "B");
}

TEST(ChoiceExtraction, OptionText) {
  EXPECT_EQ(extract_choice("dog", kOptions), "B");
  EXPECT_EQ(extract_choice("I think it is a dog", kOptions), "B");
  EXPECT_EQ(extract_choice("blue square, I am sure", kOptions), "D");
  // A lone letter early in a long answer does not count; the text then decides.
  EXPECT_EQ(extract_choice("B is the one because the cat sits on the mat", kOptions), "A");
  // An answer over twice the options' total length is not searched for text.
  EXPECT_EQ(extract_choice("a dog " + std::string(60, '.'), kOptions), "");
}

TEST(ChoiceExtraction, AmbiguousOrRefused) {
  EXPECT_EQ(extract_choice("cat or dog", kOptions), "");
  EXPECT_EQ(extract_choice("A or B", kOptions), "");
  EXPECT_EQ(extract_choice("", kOptions), "");
  EXPECT_EQ(extract_choice("Cannot determine the answer", kOptions), "Z");
  EXPECT_EQ(extract_choice("Z", kOptions), "Z");
  // Only the row's own letters count: E is no option here.
  EXPECT_EQ(extract_choice("E", kOptions), "");
}

TEST(ChoiceExtraction, YesNo) {
  EXPECT_EQ(extract_yes_no("Yes"), "Yes");
  EXPECT_EQ(extract_yes_no("YES!"), "Yes");
  EXPECT_EQ(extract_yes_no("No."), "No");
  EXPECT_EQ(extract_yes_no("No, it is not."), "No");
  EXPECT_EQ(extract_yes_no("Yes, there is a red circle."), "Yes");
  EXPECT_EQ(extract_yes_no("There is no red circle"), "No");
  EXPECT_EQ(extract_yes_no("yes, no"), "Unknown");
  EXPECT_EQ(extract_yes_no("Yes/No"), "Unknown");
  EXPECT_EQ(extract_yes_no("nope"), "Unknown");
  EXPECT_EQ(extract_yes_no("I don't know"), "Unknown");
}

TEST(ChoiceExtraction, VqaPunctuation) {
  using vlsi::eval::strip_vqa_punctuation;
  EXPECT_EQ(strip_vqa_punctuation("yes/no"), "yes no");  // no space beside '/': becomes a space
  EXPECT_EQ(strip_vqa_punctuation("a / b"), "a  b");     // spaced: removed
  EXPECT_EQ(strip_vqa_punctuation("1,000 cats."), "1000 cats");  // digit,digit: commas removed
  EXPECT_EQ(strip_vqa_punctuation("3.5 is it."), "3.5 is it");
}

}  // namespace choice_extraction_test
