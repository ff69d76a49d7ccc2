#pragma once
// Copies one part's weights (e.g. the vision tower) from a trained model into
// another of the same family and part shape. This is how a student reuses a
// teacher's trained vision encoder, as Qwen2-VL's 2B, 7B and 72B share one
// ViT: the copy keeps parameter names, so the student's checkpoint stays an
// ordinary Hugging Face folder.
#include <string>

#include "vlsi/model/causal_vlm.h"

namespace vlsi::model {

// Every parameter of `part` in `to` receives the value of the parameter of the
// same name in `from` (converted to `to`'s dtype and device). Fails in one line,
// naming `where`, when the two parts' names or shapes differ. Returns the number
// of values copied.
int64_t copy_part_weights(const CausalVlmImpl& from, CausalVlmImpl& to, Part part, const std::string& where);

}  // namespace vlsi::model
