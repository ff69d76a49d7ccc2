#pragma once
// Qwen2-VL's entry in the model registry (model/registry.h).
#include "vlsi/model/registry.h"

namespace vlsi::model::qwen2_vl {

ModelFamily family();

}  // namespace vlsi::model::qwen2_vl
