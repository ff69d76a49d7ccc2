#pragma once
// Qwen2 text-only (Qwen2ForCausalLM)'s entry in the model registry (model/registry.h).
#include "vlsi/model/registry.h"

namespace vlsi::model::qwen2 {

ModelFamily family();

}  // namespace vlsi::model::qwen2
