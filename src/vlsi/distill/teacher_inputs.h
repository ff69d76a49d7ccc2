#pragma once
// How the teacher reads the training data in a student step. A teacher of the
// student's family with the same tokenizer, chat template and image tokens
// reads the student's batches as they are; any other teacher (another family,
// another tokenizer) gets its own view of the same records: its processor,
// template and image tokens (data::Batch::teacher_view), after its vocabulary
// is checked token for token against the student's.
#include <optional>
#include <string>

#include "vlsi/distill/step_support.h"
#include "vlsi/text/tokenizer.h"
#include "vlsi/train/run_data.h"

namespace vlsi::distill {

// nullopt: the teacher reads the student's batches. `student_tokenizer` is the
// step's tokenizer; the teacher's is its folder's tokenizer.json (the
// student's when the folder has none).
std::optional<train::TeacherInputs> teacher_inputs(const VerbalizedModel& student, const text::Tokenizer& student_tokenizer,
                                                   const std::string& student_tokenizer_path,
                                                   const VerbalizedModel& teacher, const std::string& where);

}  // namespace vlsi::distill
