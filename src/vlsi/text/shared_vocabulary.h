#pragma once
// Teacher and student of different families may each bring a tokenizer; VLsI
// compares their distributions token by token, so the vocabulary their
// answers use must be the same list of tokens in the same order.
#include <string>

#include "vlsi/text/tokenizer.h"

namespace vlsi::text {

// Checks ids [0, the smaller vocabulary) token for token, except ids that are
// added tokens in both (each family's own special tokens, e.g. LLaVA's <image>
// where Qwen2-VL has <|object_ref_start|>: answers never use them, and the
// interaction step checks that the answer ids agree). Fails with one line
// naming `where`, the first differing id and both tokens. Returns how many ids
// were compared.
int64_t check_shared_vocabulary(const Tokenizer& student, const Tokenizer& teacher, const std::string& where);

}  // namespace vlsi::text
