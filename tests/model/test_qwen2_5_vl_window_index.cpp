// Qwen2.5-VL's attention windows on small grids worked by hand (the goldens
// check them against transformers' get_window_index on the test images).
#include <gtest/gtest.h>

#include "vlsi/model/qwen2_5_vl/window_index.h"

using vlsi::model::qwen2_5_vl::window_partition;

TEST(Qwen25VlWindows, CutsMergedGridsIntoSquaresFromTheTopLeft) {
  // 6 x 8 patches, merge 2 -> 3 x 4 merged tokens; windows of 2 x 2:
  // [0 1 | 2 3]
  // [4 5 | 6 7]
  // -----------
  // [8 9 |10 11]  (cut short by the bottom edge)
  auto w = window_partition({{1, 6, 8}}, 2, 2);
  EXPECT_EQ(w.merged_order, (std::vector<int64_t>{0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(w.window_patches, (std::vector<int64_t>{16, 16, 8, 8}));
}

TEST(Qwen25VlWindows, ImagesAndFramesFollowOneAnother) {
  // A 2 x 2 merged image in one window, then 2 frames of a 2 x 6 merged one in windows of 4.
  auto w = window_partition({{1, 4, 4}, {2, 4, 12}}, 4, 2);
  std::vector<int64_t> want = {0, 1, 2, 3};
  for (int64_t frame = 0; frame < 2; ++frame) {
    const int64_t base = 4 + frame * 12;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 4; ++c) want.push_back(base + r * 6 + c);
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 4; c < 6; ++c) want.push_back(base + r * 6 + c);
  }
  EXPECT_EQ(w.merged_order, want);
  EXPECT_EQ(w.window_patches, (std::vector<int64_t>{16, 32, 16, 32, 16}));
}

TEST(Qwen25VlWindows, AWindowLargerThanTheImageHoldsAllOfIt) {
  auto w = window_partition({{1, 2, 4}}, 8, 1);
  EXPECT_EQ(w.merged_order, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(w.window_patches, std::vector<int64_t>{8});
}
