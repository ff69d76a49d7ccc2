#pragma once
// Where a family's image features go: the token embeddings of input_ids with
// each position holding the image token replaced, in order, by the next
// image feature (transformers' masked_scatter), after checking that the
// counts agree. Shared by every family that splices features into the text.
#include <torch/torch.h>

#include <functional>

#include "vlsi/model/vision_inputs.h"

namespace vlsi::model {

// Fails (one line) unless input_ids is an int64 [B, T] tensor of ids below `vocab_size`.
void check_input_ids(const torch::Tensor& input_ids, int64_t vocab_size);

// `embeds` [B, T, H] of `input_ids`; `features` computes the images' features
// [N, H] (called only when there are images).
torch::Tensor splice_image_features(const torch::Tensor& embeds, const torch::Tensor& input_ids,
                                    int64_t image_token_id, const VisionInputs& images,
                                    const std::function<torch::Tensor()>& features);

}  // namespace vlsi::model
