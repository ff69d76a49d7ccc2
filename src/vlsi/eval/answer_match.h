#pragma once
// Answer normalisation per answer type, so "B", "(B)" and "The answer is B."
// all score as the same multiple-choice answer, "Yes." as "yes", "three" as 3.
#include <string>

namespace vlsi::eval {

enum class AnswerType { MultipleChoice, YesNo, Number, Text };

// Parses "mc" | "yesno" | "number" | "text"; fails with a one-line error otherwise.
AnswerType parse_answer_type(const std::string& s, const std::string& where);
std::string answer_type_name(AnswerType t);

// Canonical form of an answer, or "" when nothing of the expected type is found.
std::string normalize_answer(const std::string& text, AnswerType type);

// True when the prediction's canonical form equals the reference's (and is non-empty).
bool answers_match(const std::string& prediction, const std::string& reference, AnswerType type);

}  // namespace vlsi::eval
