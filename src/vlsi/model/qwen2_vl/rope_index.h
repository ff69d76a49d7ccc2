#pragma once
// Qwen2-VL's M-RoPE positions (transformers' get_rope_index): text tokens count
// on 0, 1, 2, ... in all three rows; an image's merged tokens sit at the next
// position plus (frame, row, column) of the merged grid in the temporal,
// height and width rows; text after an image continues one past the largest
// position so far. Padding (mask 0) gets 1 in every row. Qwen2.5-VL's
// get_rope_index is the same for images but for their frames' temporal
// positions (image_frame_stride).
#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <vector>

namespace vlsi::model::qwen2_vl {

struct RopeIndexTokens {
  int64_t image_token_id = -1;
  int64_t vision_start_token_id = -1;
  int64_t spatial_merge_size = 2;
  // Temporal positions between an image's frames: 1 in Qwen2-VL; 0 in
  // Qwen2.5-VL, which times frames by seconds and gives images 0 seconds.
  int64_t image_frame_stride = 1;
};

// input_ids [B, T]; attention_mask [B, T] or undefined; grids: (t, h, w)
// patches of every image of the batch in order (rows take them in turn, as
// many as a row has <|vision_start|> tokens followed by an image token).
// Returns int64 [3, B, T] on input_ids' device.
torch::Tensor mrope_position_ids(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                 const std::vector<std::array<int64_t, 3>>& grids, const RopeIndexTokens& tokens);

}  // namespace vlsi::model::qwen2_vl
