#include "vlsi/model/llava_onevision/llava_onevision_model.h"

#include "vlsi/io/error.h"
#include "vlsi/io/string_util.h"
#include "vlsi/model/image_slots.h"

namespace vlsi::model::llava_onevision {

using io::starts_with;

LlavaOnevisionForConditionalGenerationImpl::LlavaOnevisionForConditionalGenerationImpl(const VlmConfig& config)
    : config_(config) {
  config_.validate("model config");
  vision_tower = register_module("vision_tower", SiglipVisionModel(config_.vision_config));
  multi_modal_projector = register_module("multi_modal_projector", MultiModalProjector(config_));
  language_model = register_module("language_model", Qwen2ForCausalLM(config_.text_config, config_.tie_word_embeddings));
  image_newline = register_parameter("image_newline", torch::zeros({config_.text_config.hidden_size}));
  std::vector<Resolution> pins;
  for (const auto& p : config_.image_grid_pinpoints) pins.push_back({p[0], p[1]});
  anyres_ = AnyresParams::for_vision(pins, config_.vision_config.image_size, config_.vision_config.patch_size,
                                     config_.vision_aspect_ratio, config_.vision_feature_select_strategy);
}

Part LlavaOnevisionForConditionalGenerationImpl::part_of_parameter(const std::string& n) const {
  if (starts_with(n, "vision_tower.")) return Part::Vision;
  if (starts_with(n, "multi_modal_projector.") || n == "image_newline") return Part::Projector;
  if (starts_with(n, "language_model.model.embed_tokens.")) return Part::Embeddings;
  if (starts_with(n, "language_model.model.layers.") || starts_with(n, "language_model.model.norm.")) return Part::Lm;
  if (starts_with(n, "language_model.lm_head.")) return Part::Head;
  fail("parameter '", n, "' belongs to no model part");
}

torch::Tensor LlavaOnevisionForConditionalGenerationImpl::tile_features(const torch::Tensor& pixel_values) {
  // Only the layers up to the selected hidden state run; later ones cannot
  // influence it, so skipping them changes nothing but the cost.
  auto h = vision_tower->hidden_state(pixel_values, config_.vision_feature_layer_index());
  if (config_.vision_feature_select_strategy == "default") h = h.slice(1, 1);
  return multi_modal_projector->forward(h);
}

// One anyres image: tiles [n, P, H] with the base tile first -> [features, H].
torch::Tensor LlavaOnevisionForConditionalGenerationImpl::pack_anyres(const torch::Tensor& tiles,
                                                                       const std::array<int64_t, 2>& image_size) {
  const int64_t side = config_.vision_config.patches_per_side(), H = tiles.size(2);
  check(tiles.size(1) == side * side, "model input: anyres packing needs ", side * side,
        " features per tile, the vision tower gives ", tiles.size(1),
        " (vision_feature_select_strategy 'default' cannot pack anyres tiles; transformers fails there too)");
  const FeatureLayout l = anyres_layout({image_size[0], image_size[1]}, anyres_);
  check(tiles.size(0) == l.num_tiles, "model input: an image of ", image_size[0], "x", image_size[1], " has ",
        tiles.size(0), " tiles, image_grid_pinpoints give ", l.num_tiles);
  torch::Tensor base = tiles[0];
  // [rows, cols, side, side, H] -> [H, rows * side, cols * side]: the tiles' maps side by side.
  torch::Tensor grid = tiles.slice(0, 1, 1 + l.grid_rows * l.grid_cols)
                           .view({l.grid_rows, l.grid_cols, side, side, H})
                           .permute({4, 0, 2, 1, 3})
                           .reshape({H, l.grid_rows * side, l.grid_cols * side});
  // unpad_image: drop the rows/columns the processor's centred padding filled.
  grid = grid.narrow(1, (grid.size(1) - l.unpadded_height) / 2, l.unpadded_height)
             .narrow(2, (grid.size(2) - l.unpadded_width) / 2, l.unpadded_width);
  if (l.downscaled) {
    namespace F = torch::nn::functional;
    grid = F::interpolate(grid.unsqueeze(0), F::InterpolateFuncOptions()
                                                 .size(std::vector<int64_t>{l.height, l.width})
                                                 .mode(torch::kBilinear)
                                                 .align_corners(false))[0];
  }
  torch::Tensor newline = image_newline.to(grid.scalar_type()).view({H, 1, 1}).expand({H, l.height, 1});
  grid = torch::cat({grid, newline}, 2).flatten(1, 2).transpose(0, 1);  // row-major, a newline after each row
  return torch::cat({base, grid}, 0);
}

torch::Tensor LlavaOnevisionForConditionalGenerationImpl::image_features(const VisionInputs& images) {
  images.validate("model input");
  torch::Tensor tiles = tile_features(images.pixel_values);
  std::vector<torch::Tensor> packed;
  int64_t row = 0;
  for (int64_t i = 0; i < images.num_images(); ++i) {
    const int64_t n = images.tiles_per_image[size_t(i)];
    torch::Tensor t = tiles.narrow(0, row, n);
    row += n;
    if (n > 1) {
      packed.push_back(pack_anyres(t, images.image_sizes[size_t(i)]));
    } else {  // an image sharing its sample: one tile and one newline
      packed.push_back(torch::cat({t[0], image_newline.to(t.scalar_type()).unsqueeze(0)}, 0));
    }
  }
  return torch::cat(packed, 0);
}

torch::Tensor LlavaOnevisionForConditionalGenerationImpl::embed_tokens(const torch::Tensor& ids) {
  return language_model->model->embed_tokens->forward(ids);
}

torch::Tensor LlavaOnevisionForConditionalGenerationImpl::input_embeddings(const torch::Tensor& input_ids,
                                                                          const VisionInputs& images) {
  check_input_ids(input_ids, config_.text_config.vocab_size);
  return splice_image_features(embed_tokens(input_ids), input_ids, config_.image_token_index, images,
                               [&] { return image_features(images); });
}

DecoderOutput LlavaOnevisionForConditionalGenerationImpl::decode(const torch::Tensor& embeds,
                                                                 const torch::Tensor& attention_mask,
                                                                 bool collect_layer_outputs,
                                                                 const torch::Tensor& position_ids) {
  return language_model->model->forward(embeds, attention_mask, collect_layer_outputs, position_ids);
}

torch::Tensor LlavaOnevisionForConditionalGenerationImpl::decode_cached(const torch::Tensor& embeds,
                                                                        const torch::Tensor& new_mask, KvCache& cache,
                                                                        const torch::Tensor& position_ids) {
  return language_model->model->forward_cached(embeds, new_mask, cache, position_ids);
}

void LlavaOnevisionForConditionalGenerationImpl::place_decoder(const LayerPlacement& placement) {
  language_model->model->place(placement);
  if (!language_model->tied()) language_model->lm_head->to(placement.last_device());
}

}  // namespace vlsi::model::llava_onevision
