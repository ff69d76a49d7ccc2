#include "vlsi/model/llava_onevision/config_json.h"

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/config_limits.h"
#include "vlsi/model/llava_onevision/anyres.h"

namespace vlsi::model::llava_onevision {

using io::get_field;
using io::get_or;

VlmConfig config_from_json(const json& j, const std::string& where) {
  VlmConfig c;
  read_common_fields(j, where, "LlavaOnevisionForConditionalGeneration", c);
  check(j.contains("text_config"), where, ": missing field 'text_config'");
  check(j.contains("vision_config"), where, ": missing field 'vision_config'");
  c.text_config = TextConfig::from_json(j["text_config"], where + ": text_config");
  c.vision_config = VisionConfig::from_json(j["vision_config"], where + ": vision_config");
  // Newer transformers write image_token_id; older ones image_token_index.
  c.image_token_index = j.contains("image_token_index") ? get_field<int64_t>(j, "image_token_index", where)
                                                        : get_or<int64_t>(j, "image_token_id", c.image_token_index, where);
  c.video_token_index = j.contains("video_token_index") ? get_field<int64_t>(j, "video_token_index", where)
                                                        : get_or<int64_t>(j, "video_token_id", c.video_token_index, where);
  check(c.image_token_index >= 0, where, ": field 'image_token_index' must not be negative");
  if (j.contains("image_grid_pinpoints")) {
    const json& pins = j["image_grid_pinpoints"];
    check(pins.is_array() && !pins.empty(), where, ": field 'image_grid_pinpoints': expected a non-empty list of [height, width]");
    c.image_grid_pinpoints.clear();
    for (const auto& p : pins) {
      check(p.is_array() && p.size() == 2 && p[0].is_number_integer() && p[1].is_number_integer(), where,
            ": field 'image_grid_pinpoints': expected [height, width] integer pairs, got ", p.dump());
      c.image_grid_pinpoints.push_back({p[0].get<int64_t>(), p[1].get<int64_t>()});
    }
  }
  c.vision_aspect_ratio = get_or<std::string>(j, "vision_aspect_ratio", c.vision_aspect_ratio, where);
  c.projector_hidden_act = get_or<std::string>(j, "projector_hidden_act", c.projector_hidden_act, where);
  auto vfl = j.find("vision_feature_layer");
  check(vfl == j.end() || vfl->is_null() || vfl->is_number_integer(), where,
        ": field 'vision_feature_layer': expected integer (lists of layers are not supported)");
  c.vision_feature_layer = get_or<int64_t>(j, "vision_feature_layer", c.vision_feature_layer, where);
  c.vision_feature_select_strategy =
      get_or<std::string>(j, "vision_feature_select_strategy", c.vision_feature_select_strategy, where);
  c.multimodal_projector_bias = get_or<bool>(j, "multimodal_projector_bias", c.multimodal_projector_bias, where);
  // transformers 4.57 ties when the text config says so (get_text_config().tie_word_embeddings);
  // the top-level value counts only when text_config has none (older checkpoints).
  c.tie_word_embeddings = j["text_config"].contains("tie_word_embeddings")
                              ? c.text_config.tie_word_embeddings
                              : get_or<bool>(j, "tie_word_embeddings", c.text_config.tie_word_embeddings, where);
  return c;
}

json config_to_json(const VlmConfig& c) {
  json t = c.text_config.to_json();
  t["tie_word_embeddings"] = c.tie_word_embeddings;
  return {{"model_type", c.model_type}, {"architectures", c.architectures}, {"text_config", t},
          {"vision_config", c.vision_config.to_json()}, {"image_token_index", c.image_token_index},
          {"video_token_index", c.video_token_index}, {"image_grid_pinpoints", c.image_grid_pinpoints},
          {"vision_aspect_ratio", c.vision_aspect_ratio},
          {"projector_hidden_act", c.projector_hidden_act}, {"vision_feature_layer", c.vision_feature_layer},
          {"vision_feature_select_strategy", c.vision_feature_select_strategy},
          {"multimodal_projector_bias", c.multimodal_projector_bias}, {"tie_word_embeddings", c.tie_word_embeddings},
          {"initializer_range", c.initializer_range}};
}

void validate_config(const VlmConfig& c, const std::string& where) {
  c.vision_config.validate(where + ": vision_config");
  check_size_limits(c, where);  // before anything is built from these sizes
  check(c.image_token_index >= 0, where, ": field 'image_token_index' must not be negative");
  check(c.projector_hidden_act == "gelu", where, ": field 'projector_hidden_act' is '", c.projector_hidden_act,
        "', only 'gelu' is supported");
  int64_t n = c.vision_config.num_hidden_layers + 1;
  check(c.vision_feature_layer >= -n && c.vision_feature_layer < n, where, ": vision_feature_layer ",
        c.vision_feature_layer, " is outside [", -n, ", ", n - 1, "] for ", c.vision_config.num_hidden_layers,
        " vision layers");
  check(c.vision_feature_select_strategy == "full" || c.vision_feature_select_strategy == "default", where,
        ": field 'vision_feature_select_strategy' is '", c.vision_feature_select_strategy,
        "', expected 'full' or 'default'");
  check(c.tile_features() > 0, where, ": images would contribute no tokens");
  check(!c.image_grid_pinpoints.empty(), where, ": field 'image_grid_pinpoints' is empty");
  for (const auto& p : c.image_grid_pinpoints)
    check(p[0] >= c.vision_config.image_size && p[1] >= c.vision_config.image_size, where, ": image_grid_pinpoint [",
          p[0], ", ", p[1], "] is smaller than the vision tower's ", c.vision_config.image_size, "px tile");
  max_num_patches(c.vision_aspect_ratio, where + ": vision_aspect_ratio");
}

namespace {

double vision_parameters(const VisionConfig& c) {
  using N = double;
  const N H = N(c.hidden_size), I = N(c.intermediate_size);
  const N embeddings = N(c.num_channels) * N(c.patch_size) * N(c.patch_size) * H + H + N(c.num_patches()) * H;
  const N layer = 4 * (H * H + H) + 2 * H * I + I + H + 4 * H;  // attention, mlp, two layer norms
  return embeddings + N(c.num_hidden_layers) * layer + 2 * H;    // + post_layernorm
}

}  // namespace

double parameter_count(const VlmConfig& c) {
  const double Hv = double(c.vision_config.hidden_size), Ht = double(c.text_config.hidden_size);
  const double projector = Hv * Ht + Ht * Ht + double(c.multimodal_projector_bias ? 2 : 0) * Ht;
  const double image_newline = Ht;
  return vision_parameters(c.vision_config) + projector + text_parameters(c.text_config, c.tie_word_embeddings) +
         image_newline;
}

void check_tower_limits(const VlmConfig& c, const std::string& where) {
  using L = ConfigSizeLimits;
  const VisionConfig& v = c.vision_config;
  const std::string vw = where + ": vision_config";
  check_at_most(v.num_hidden_layers, L::kLayers, vw, "num_hidden_layers");
  check_at_most(v.hidden_size, L::kHiddenSize, vw, "hidden_size");
  check_at_most(v.num_attention_heads, L::kHeads, vw, "num_attention_heads");
  check_at_most(v.intermediate_size, L::kIntermediateSize, vw, "intermediate_size");
  check_at_most(v.image_size, L::kImageSize, vw, "image_size");
  check_at_most(v.num_channels, L::kChannels, vw, "num_channels");
  check(v.num_patches() <= L::kPatchesPerTile, vw, ": image_size ", v.image_size, " / patch_size ", v.patch_size,
        " gives ", v.num_patches(), " patches per tile, more than the limit of ", L::kPatchesPerTile);
  check(int64_t(c.image_grid_pinpoints.size()) <= L::kPinpoints, where, ": field 'image_grid_pinpoints' has ",
        c.image_grid_pinpoints.size(), " entries, more than the limit of ", L::kPinpoints);
  for (const auto& p : c.image_grid_pinpoints)
    check(p[0] <= L::kPinpointSide && p[1] <= L::kPinpointSide, where, ": image_grid_pinpoint [", p[0], ", ", p[1],
          "] has a side over the limit of ", L::kPinpointSide, " pixels");
}

}  // namespace vlsi::model::llava_onevision
