#include "vlsi/text/shared_vocabulary.h"

#include <algorithm>
#include <unordered_set>

#include "vlsi/io/error.h"

namespace vlsi::text {

namespace {

std::unordered_set<int64_t> added_ids(const Tokenizer& tok) {
  std::unordered_set<int64_t> out;
  for (const auto& t : tok.added_tokens()) out.insert(t.id);
  return out;
}

}  // namespace

int64_t check_shared_vocabulary(const Tokenizer& student, const Tokenizer& teacher, const std::string& where) {
  const int64_t n = std::min(student.vocab_size(), teacher.vocab_size());
  const auto student_added = added_ids(student), teacher_added = added_ids(teacher);
  int64_t compared = 0;
  for (int64_t id = 0; id < n; ++id) {
    if (student_added.count(id) && teacher_added.count(id)) continue;
    const std::string s = student.id_to_token(id), t = teacher.id_to_token(id);
    check(s == t, where, ": the teacher's and the student's tokenizers differ at id ", id, " ('", t, "' vs '", s,
          "'); VLsI compares their distributions token by token, so the vocabularies must agree");
    ++compared;
  }
  check(compared > 0, where, ": the teacher's and the student's tokenizers share no vocabulary");
  return compared;
}

}  // namespace vlsi::text
