#pragma once
// Qwen2.5-VL's attention windows (transformers' get_window_index): each image
// frame's grid of merged tokens (h / merge x w / merge) is cut into squares of
// merged_window x merged_window tokens from the top-left corner, the last row
// and column of windows cut short by the frame's edge. The vision tower runs
// on its patches reordered window by window (merge^2 patches per merged token
// stay together) and puts the merged tokens back in order after the merger.
#include <array>
#include <cstdint>
#include <vector>

namespace vlsi::model::qwen2_5_vl {

struct WindowPartition {
  // Merged tokens in window order: frames, windows row by row, each window's
  // tokens row by row; values index the processor's order over all images.
  std::vector<int64_t> merged_order;
  std::vector<int64_t> window_patches;  // patches in each window, in order (none empty)
};

// grids: each image's (t, h, w) patches, h and w multiples of merge; merged_window >= 1.
WindowPartition window_partition(const std::vector<std::array<int64_t, 3>>& grids, int64_t merged_window,
                                 int64_t merge);

}  // namespace vlsi::model::qwen2_5_vl
