#pragma once
// Qwen2.5-VL's entry in the model registry (model/registry.h).
#include "vlsi/model/registry.h"

namespace vlsi::model::qwen2_5_vl {

ModelFamily family();

}  // namespace vlsi::model::qwen2_5_vl
