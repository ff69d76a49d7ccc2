#include "vlsi/model/qwen2_5_vl/window_index.h"

#include <algorithm>

#include "vlsi/io/error.h"

namespace vlsi::model::qwen2_5_vl {

WindowPartition window_partition(const std::vector<std::array<int64_t, 3>>& grids, int64_t merged_window,
                                 int64_t merge) {
  check(merged_window >= 1 && merge >= 1, "vision: window of ", merged_window, " merged tokens, merge ", merge,
        ": both must be positive");
  WindowPartition out;
  int64_t first = 0;  // the image's first merged token
  for (const auto& [t, h, w] : grids) {
    const int64_t gh = h / merge, gw = w / merge, W = merged_window;
    for (int64_t frame = 0; frame < t; ++frame)
      for (int64_t r0 = 0; r0 < gh; r0 += W)
        for (int64_t c0 = 0; c0 < gw; c0 += W) {
          const int64_t r1 = std::min(r0 + W, gh), c1 = std::min(c0 + W, gw);
          for (int64_t r = r0; r < r1; ++r)
            for (int64_t c = c0; c < c1; ++c) out.merged_order.push_back(first + (frame * gh + r) * gw + c);
          out.window_patches.push_back((r1 - r0) * (c1 - c0) * merge * merge);
        }
    first += t * gh * gw;
  }
  return out;
}

}  // namespace vlsi::model::qwen2_5_vl
