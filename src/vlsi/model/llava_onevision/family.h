#pragma once
// LLaVA-OneVision's entry in the model registry (model/registry.h).
#include "vlsi/model/registry.h"

namespace vlsi::model::llava_onevision {

ModelFamily family();

}  // namespace vlsi::model::llava_onevision
