#pragma once
// Qwen2-VL's entry in the model registry (model/registry.h).
#include <functional>

#include "vlsi/model/qwen2_vl/processor.h"
#include "vlsi/model/registry.h"

namespace vlsi::model::qwen2_vl {

ModelFamily family();

// What Qwen2.5-VL's entry shares with Qwen2-VL's: checkpoint names in both
// transformers layouts, the tied head, peft's exclusion of visual.*, the
// vision token fields, and the processor, checked against `tower`'s patch sizes.
ModelFamily shared_family(std::function<TowerPatchSizes(const VlmConfig&)> tower);

}  // namespace vlsi::model::qwen2_vl
