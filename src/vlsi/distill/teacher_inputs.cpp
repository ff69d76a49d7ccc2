#include "vlsi/distill/teacher_inputs.h"

#include <array>

#include "vlsi/data/collate.h"
#include "vlsi/data/template_chat.h"
#include "vlsi/io/error.h"
#include "vlsi/io/read_file.h"
#include "vlsi/model/model_bundle.h"
#include "vlsi/model/registry.h"
#include "vlsi/text/shared_vocabulary.h"

namespace vlsi::distill {

namespace {

// The ids one side gives a probe chat with two images of the given size.
std::vector<int64_t> probe_ids(const text::Tokenizer& tok, const train::TeacherInputs& side, int64_t h, int64_t w) {
  data::ChatFormat f;
  f.chat_template = side.chat_template;
  f.template_variables = side.template_variables;
  data::use_image_tokens_of(*side.processor, f);
  data::SampleEncoder enc(tok, f);
  const std::vector<text::ChatMessage> chat = {{"user", "<image>\n<image>\nWhat is it?"}, {"assistant", "A circle."}};
  if (!f.with_images) return enc.encode_chat({{"user", "What is it?"}, {"assistant", "A circle."}}, false);
  return enc.encode_chat(chat, false, side.processor->image_token_counts({{h, w}, {h, w}}));
}

// Both sides render, tokenise and expand images identically on a spread of shapes.
bool same_inputs(const train::TeacherInputs& a, const train::TeacherInputs& b) {
  if (a.processor->image_token_string() != b.processor->image_token_string()) return false;
  for (const auto& [h, w] : std::vector<std::array<int64_t, 2>>{{64, 64}, {30, 100}, {100, 30}, {384, 384}, {17, 23}})
    if (probe_ids(a.tokenizer, a, h, w) != probe_ids(b.tokenizer, b, h, w)) return false;
  return true;
}

train::TeacherInputs inputs_of(const std::string& dir, const model::VlmConfig& config, const text::Tokenizer& tok) {
  return {tok, model::load_processor(dir, config), model::load_chat_template(dir), model::load_template_variables(dir)};
}

}  // namespace

std::optional<train::TeacherInputs> teacher_inputs(const VerbalizedModel& student, const text::Tokenizer& student_tok,
                                                   const std::string& student_tok_path, const VerbalizedModel& teacher,
                                                   const std::string& where) {
  const std::string& teacher_dir = teacher.model_dir;
  const std::string own = teacher_dir + "/tokenizer.json";
  const bool has_own = io::file_exists(own);
  const text::Tokenizer teacher_tok = has_own ? text::Tokenizer::from_file(own) : student_tok;
  model::check_tokenizer_matches(teacher.model->config(), teacher_tok, teacher_dir);
  train::TeacherInputs student_inputs = inputs_of(student.model_dir, student.model->config(), student_tok);
  train::TeacherInputs teacher_inputs = inputs_of(teacher_dir, teacher.model->config(), teacher_tok);
  const bool same_tokenizer = !has_own || io::read_file(own) == io::read_file(student_tok_path);
  if (same_tokenizer && same_inputs(student_inputs, teacher_inputs)) return std::nullopt;
  text::check_shared_vocabulary(student_tok, teacher_tok, where + ": teacher " + teacher_dir);
  return teacher_inputs;
}

}  // namespace vlsi::distill
