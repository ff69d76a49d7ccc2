#pragma once
// Answer extraction as VLMEvalKit does it before its LLM fallback (which we do
// not have: where VLMEvalKit would ask a judge model, the answer is "not
// found", as with its `exact_matching` judge).
//   option letter: vlmeval/utils/matching_util.py can_infer_option
//   option text:   vlmeval/utils/matching_util.py can_infer_text
//   both:          vlmeval/utils/matching_util.py can_infer (letter first)
//   yes / no:      vlmeval/dataset/utils/yorn.py YOrN_Extraction, with
//                  vlmeval/smp/misc.py process_punctuation
#include <string>
#include <vector>

namespace vlsi::eval {

struct ChoiceOption {
  char letter = 'A';
  std::string text;
};

// The option letter an answer names: a single option letter among the last
// five words ("B", "B. cat", "(B)", "The answer is B."), or "answer is X".
// "Z" when the model refuses or answers "Z"; "" when none is found.
std::string infer_option_letter(const std::string& answer, const std::vector<ChoiceOption>& options);
// The option whose text (lower-cased) is the only one contained in the answer,
// for answers at most twice the options' total length; "" otherwise.
std::string infer_option_text(const std::string& answer, const std::vector<ChoiceOption>& options);
// Letter first, then text: VLMEvalKit's can_infer.
std::string extract_choice(const std::string& answer, const std::vector<ChoiceOption>& options);

// "Yes", "No" or "Unknown": "yes" among the words and no "no", or the reverse.
std::string extract_yes_no(const std::string& answer);
// VQA punctuation clean-up (process_punctuation): what extract_yes_no splits.
std::string strip_vqa_punctuation(const std::string& text);

}  // namespace vlsi::eval
