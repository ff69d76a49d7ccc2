#include "vlsi/model/qwen2_vl/config_json.h"

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/config_limits.h"

namespace vlsi::model::qwen2_vl {

using io::get_or;

namespace {

// Qwen2VLTextConfig's defaults (Qwen2_5_VLTextConfig's too) where they differ from Qwen2's.
TextConfig text_defaults(const std::string& model_type) {
  TextConfig d;
  d.model_type = model_type;
  d.rms_norm_eps = 1e-5;
  d.rope_theta = 1000000.0;
  d.mrope_section = {16, 24, 24};  // required: transformers' Qwen2-VL cannot run without it
  return d;
}

}  // namespace

const json& read_shared_fields(const json& j, const std::string& where, const std::string& architecture,
                               VlmConfig& c) {
  read_common_fields(j, where, architecture, c);
  const bool nested = j.contains("text_config") && j["text_config"].is_object();
  const json& text = nested ? j["text_config"] : j;
  const std::string text_type = c.model_type + "_text";
  c.text_config = TextConfig::from_json(text, nested ? where + ": text_config" : where,
                                        text_defaults(nested ? text_type : c.model_type));
  c.text_config.model_type = text_type;
  c.tie_word_embeddings = c.text_config.tie_word_embeddings;  // transformers reads the text config's
  c.image_token_index = get_or<int64_t>(j, "image_token_id", 151655, where);
  c.video_token_index = get_or<int64_t>(j, "video_token_id", 151656, where);
  c.vision_start_token_id = get_or<int64_t>(j, "vision_start_token_id", 151652, where);
  c.vision_end_token_id = get_or<int64_t>(j, "vision_end_token_id", 151653, where);
  check(j.contains("vision_config"), where, ": missing field 'vision_config'");
  return j["vision_config"];
}

json shared_to_json(const VlmConfig& c) {
  json t = c.text_config.to_json();
  t["tie_word_embeddings"] = c.tie_word_embeddings;
  t["architectures"] = c.architectures;
  return {{"model_type", c.model_type}, {"architectures", c.architectures}, {"text_config", t},
          {"image_token_id", c.image_token_index}, {"video_token_id", c.video_token_index},
          {"vision_start_token_id", c.vision_start_token_id}, {"vision_end_token_id", c.vision_end_token_id},
          {"tie_word_embeddings", c.tie_word_embeddings}, {"initializer_range", c.initializer_range}};
}

void validate_shared(const VlmConfig& c, int64_t merger_width, const char* merger_field, const std::string& where) {
  check(!c.text_config.mrope_section.empty(), where, ": field 'rope_scaling.mrope_section' is missing");
  check(merger_width == c.text_config.hidden_size, where, ": vision_config.", merger_field, " ", merger_width,
        " (the merger's output) differs from the decoder's hidden_size ", c.text_config.hidden_size);
  const int64_t vocab = c.text_config.vocab_size;
  for (auto [name, id] : {std::pair<const char*, int64_t>{"image_token_id", c.image_token_index},
                          {"vision_start_token_id", c.vision_start_token_id}})
    check(id >= 0 && id < vocab, where, ": field '", name, "' is ", id, ", outside the vocabulary [0, ", vocab, ")");
}

VlmConfig config_from_json(const json& j, const std::string& where) {
  VlmConfig c;
  const json& vision = read_shared_fields(j, where, "Qwen2VLForConditionalGeneration", c);
  c.qwen2_vision_config = Qwen2VisionConfig::from_json(vision, where + ": vision_config");
  return c;
}

json config_to_json(const VlmConfig& c) {
  json j = shared_to_json(c);
  j["vision_config"] = c.qwen2_vision_config.to_json();
  return j;
}

void validate_config(const VlmConfig& c, const std::string& where) {
  c.qwen2_vision_config.validate(where + ": vision_config");
  check_size_limits(c, where);
  validate_shared(c, c.qwen2_vision_config.hidden_size, "hidden_size", where);
}

double parameter_count(const VlmConfig& c) {
  const Qwen2VisionConfig& v = c.qwen2_vision_config;
  const double E = double(v.embed_dim), I = double(v.mlp_hidden()), H = double(v.hidden_size);
  const double M = E * double(v.spatial_merge_size * v.spatial_merge_size);
  const double patch = E * double(v.patch_values());
  const double block = 4 * E + (3 * E * E + 3 * E) + (E * E + E) + (E * I + I) + (I * E + E);
  const double merger = 2 * E + (M * M + M) + (M * H + H);
  return patch + double(v.depth) * block + merger + text_parameters(c.text_config, c.tie_word_embeddings);
}

void check_tower_limits(const VlmConfig& c, const std::string& where) {
  using L = ConfigSizeLimits;
  const Qwen2VisionConfig& v = c.qwen2_vision_config;
  const std::string vw = where + ": vision_config";
  check_at_most(v.depth, L::kLayers, vw, "depth");
  check_at_most(v.embed_dim, L::kHiddenSize, vw, "embed_dim");
  check_at_most(v.num_heads, L::kHeads, vw, "num_heads");
  check_at_most(v.mlp_ratio, L::kIntermediateSize / std::max<int64_t>(1, v.embed_dim), vw, "mlp_ratio");
  check_at_most(v.in_channels, L::kChannels, vw, "in_channels");
  check_at_most(v.patch_size, L::kImageSize, vw, "patch_size");
  check_at_most(v.temporal_patch_size, L::kChannels, vw, "temporal_patch_size");
  check_at_most(v.spatial_merge_size, L::kChannels, vw, "spatial_merge_size");
}

}  // namespace vlsi::model::qwen2_vl
