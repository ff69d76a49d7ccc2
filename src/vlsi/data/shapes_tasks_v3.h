#pragma once
// The categories generator version 3 adds, each needing two chained steps:
// relational (find a referent, then the object related to it), comparison
// (count two overlapping sets, or three colours, and compare) and arithmetic
// (read two bars off a chart, then add or subtract). Internal to
// shapes_tasks.cpp's make_sample; `slot` stratifies the answers as there.
#include <cstdint>

#include "vlsi/data/rng.h"
#include "vlsi/data/shapes_scene.h"
#include "vlsi/data/shapes_tasks.h"

namespace vlsi::data::shapes {

Sample relational_sample(uint64_t slot, Rng& rng, const Canvas& canvas);
Sample comparison_sample(uint64_t slot, Rng& rng, const Canvas& canvas);
Sample arithmetic_sample(uint64_t slot, Rng& rng, const Canvas& canvas);

}  // namespace vlsi::data::shapes
