#include "vlsi/model/qwen2_vl/mrope_vlm.h"

#include "vlsi/io/error.h"
#include "vlsi/io/string_util.h"
#include "vlsi/model/image_slots.h"

namespace vlsi::model::qwen2_vl {

MropeVlmImpl::MropeVlmImpl(const VlmConfig& config, RopeIndexTokens rope) : Qwen2CausalLmImpl(config), rope_(rope) {
  rope_.image_token_id = config_.image_token_index;
  rope_.vision_start_token_id = config_.vision_start_token_id;
}

Part MropeVlmImpl::part_of_parameter(const std::string& n) const {
  if (io::starts_with(n, "visual.merger.")) return Part::Projector;
  if (io::starts_with(n, "visual.")) return Part::Vision;
  return Qwen2CausalLmImpl::part_of_parameter(n);
}

torch::Tensor MropeVlmImpl::image_features(const VisionInputs& images) {
  images.validate("model input");
  check(int64_t(images.patch_grids.size()) == images.num_images(), "model input: ", config_.model_type,
        " images need their patch grids (image_grid_thw), got ", images.patch_grids.size(), " for ",
        images.num_images(), " images");
  return vision_tokens(images.pixel_values, images.patch_grids);
}

torch::Tensor MropeVlmImpl::input_embeddings(const torch::Tensor& input_ids, const VisionInputs& images) {
  return splice_image_features(text_embeddings(input_ids), input_ids, config_.image_token_index, images,
                               [&] { return image_features(images); });
}

torch::Tensor MropeVlmImpl::position_ids(const torch::Tensor& input_ids, const VisionInputs& images,
                                         const torch::Tensor& attention_mask) {
  // Without images every row's three positions agree with the mask's: the default.
  if (images.empty()) return {};
  return mrope_position_ids(input_ids, attention_mask, images.patch_grids, rope_);
}

}  // namespace vlsi::model::qwen2_vl
