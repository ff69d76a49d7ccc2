#include "vlsi/model/qwen2_vl/qwen2_vl_model.h"

#include "vlsi/io/error.h"
#include "vlsi/io/string_util.h"
#include "vlsi/model/image_slots.h"
#include "vlsi/model/qwen2_vl/rope_index.h"

namespace vlsi::model::qwen2_vl {

Qwen2VlForConditionalGenerationImpl::Qwen2VlForConditionalGenerationImpl(const VlmConfig& config)
    : Qwen2CausalLmImpl(config) {
  visual = register_module("visual", VisionTransformer(config_.qwen2_vision_config));
}

Part Qwen2VlForConditionalGenerationImpl::part_of_parameter(const std::string& n) const {
  if (io::starts_with(n, "visual.merger.")) return Part::Projector;
  if (io::starts_with(n, "visual.")) return Part::Vision;
  return Qwen2CausalLmImpl::part_of_parameter(n);
}

torch::Tensor Qwen2VlForConditionalGenerationImpl::image_features(const VisionInputs& images) {
  images.validate("model input");
  check(int64_t(images.patch_grids.size()) == images.num_images(), "model input: Qwen2-VL images need their patch ",
        "grids (image_grid_thw), got ", images.patch_grids.size(), " for ", images.num_images(), " images");
  return visual->forward(images.pixel_values, images.patch_grids);
}

torch::Tensor Qwen2VlForConditionalGenerationImpl::input_embeddings(const torch::Tensor& input_ids,
                                                                    const VisionInputs& images) {
  return splice_image_features(text_embeddings(input_ids), input_ids, config_.image_token_index, images,
                               [&] { return image_features(images); });
}

torch::Tensor Qwen2VlForConditionalGenerationImpl::position_ids(const torch::Tensor& input_ids,
                                                                const VisionInputs& images,
                                                                const torch::Tensor& attention_mask) {
  // Without images every row's three positions agree with the mask's: the default.
  if (images.empty()) return {};
  RopeIndexTokens tokens;
  tokens.image_token_id = config_.image_token_index;
  tokens.vision_start_token_id = config_.vision_start_token_id;
  tokens.spatial_merge_size = config_.qwen2_vision_config.spatial_merge_size;
  return mrope_position_ids(input_ids, attention_mask, images.patch_grids, tokens);
}

}  // namespace vlsi::model::qwen2_vl
