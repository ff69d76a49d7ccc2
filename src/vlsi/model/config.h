#pragma once
// Typed model configuration read from / written to a Hugging Face config.json.
// Every family has a Qwen2 decoder (text_config); what else a config holds
// depends on model_type, and each family reads, writes and checks its own
// part (model/registry.h): llava_onevision (SigLIP tower, anyres fields),
// qwen2_vl (Qwen2-VL's vision transformer, M-RoPE), qwen2_5_vl (Qwen2.5-VL's
// windowed vision transformer, M-RoPE), qwen2 (text only).
// Field names are HF's. Fields HF omits when they equal its defaults (eps, act,
// rope_theta, ...) fall back to HF's defaults; the sizes that define the network
// are required. Every problem is one vlsi::Error line naming the file and field.
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vlsi::model {

using json = nlohmann::json;

struct VisionConfig {  // SiglipVisionConfig
  int64_t hidden_size = 768;
  int64_t intermediate_size = 3072;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t image_size = 224;
  int64_t patch_size = 16;
  int64_t num_channels = 3;
  double layer_norm_eps = 1e-6;
  std::string hidden_act = "gelu_pytorch_tanh";

  int64_t head_dim() const { return hidden_size / num_attention_heads; }
  int64_t patches_per_side() const { return image_size / patch_size; }  // floor, as HF's "valid" conv
  int64_t num_patches() const { return patches_per_side() * patches_per_side(); }

  static VisionConfig from_json(const json& j, const std::string& where);
  json to_json() const;
  void validate(const std::string& where) const;
};

// Qwen2-VL's vision transformer (Qwen2VLVisionConfig): patches of
// temporal_patch_size x patch_size^2 pixels, depth pre-LN blocks of width
// embed_dim, then a PatchMerger that joins spatial_merge_size^2 neighbours
// into one token of the decoder's hidden_size.
struct Qwen2VisionConfig {
  int64_t depth = 32;
  int64_t embed_dim = 1280;
  int64_t hidden_size = 3584;  // the decoder's width: the merger's output
  int64_t mlp_ratio = 4;
  int64_t num_heads = 16;
  int64_t in_channels = 3;
  int64_t patch_size = 14;
  int64_t spatial_merge_size = 2;
  int64_t temporal_patch_size = 2;
  std::string hidden_act = "quick_gelu";

  int64_t head_dim() const { return embed_dim / num_heads; }
  int64_t mlp_hidden() const { return embed_dim * mlp_ratio; }
  int64_t patch_values() const { return in_channels * temporal_patch_size * patch_size * patch_size; }

  static Qwen2VisionConfig from_json(const json& j, const std::string& where);
  json to_json() const;
  void validate(const std::string& where) const;
};

// Qwen2.5-VL's vision transformer (Qwen2_5_VLVisionConfig): as Qwen2-VL's but
// with RMSNorm and a SwiGLU MLP of intermediate_size, attention within windows
// of window_size pixels except in the blocks fullatt_block_indexes names (an
// index past the depth is never reached, as in transformers), and a merger to
// out_hidden_size. Here hidden_size is the vision width. Read, written and
// checked in model/qwen2_5_vl/vision_config.cpp.
struct Qwen25VisionConfig {
  int64_t depth = 32;
  int64_t hidden_size = 3584;  // the vision width
  int64_t intermediate_size = 3420;
  int64_t num_heads = 16;
  int64_t in_channels = 3;
  int64_t patch_size = 14;
  int64_t spatial_merge_size = 2;
  int64_t temporal_patch_size = 2;
  int64_t tokens_per_second = 4;  // videos' time positions only
  int64_t window_size = 112;      // a window's side in pixels
  int64_t out_hidden_size = 3584;  // the decoder's width: the merger's output
  std::vector<int64_t> fullatt_block_indexes = {7, 15, 23, 31};
  std::string hidden_act = "silu";

  int64_t head_dim() const { return hidden_size / num_heads; }
  int64_t patch_values() const { return in_channels * temporal_patch_size * patch_size * patch_size; }
  // A window's side in merged tokens (transformers' vit_merger_window_size, floored).
  int64_t merged_window() const { return window_size / spatial_merge_size / patch_size; }
  bool full_attention(int64_t block) const;

  static Qwen25VisionConfig from_json(const json& j, const std::string& where);
  json to_json() const;
  void validate(const std::string& where) const;
};

struct TextConfig {  // Qwen2Config
  int64_t vocab_size = 151936;
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 22016;
  int64_t num_hidden_layers = 32;
  int64_t num_attention_heads = 32;
  int64_t num_key_value_heads = 32;
  int64_t max_position_embeddings = 32768;
  double rope_theta = 10000.0;
  double rms_norm_eps = 1e-6;
  bool tie_word_embeddings = false;
  std::string hidden_act = "silu";
  // M-RoPE (Qwen2-VL): the rotary frequencies split in sections rotated by the
  // temporal, height and width positions; empty = plain 1-D RoPE.
  std::vector<int64_t> mrope_section;
  std::string model_type = "qwen2";  // "qwen2_vl_text" inside a Qwen2-VL config

  int64_t head_dim() const { return hidden_size / num_attention_heads; }

  // `defaults` supplies what the JSON omits (Qwen2 and Qwen2-VL differ in
  // rms_norm_eps and rope_theta) and the model_type the JSON may name.
  static TextConfig from_json(const json& j, const std::string& where);
  static TextConfig from_json(const json& j, const std::string& where, const TextConfig& defaults);
  json to_json() const;
  void validate(const std::string& where) const;
};

struct VlmConfig {  // LlavaOnevisionConfig, Qwen2VLConfig, Qwen2_5_VLConfig or Qwen2Config
  TextConfig text_config;
  VisionConfig vision_config;  // llava_onevision only
  Qwen2VisionConfig qwen2_vision_config;  // qwen2_vl only
  Qwen25VisionConfig qwen2_5_vision_config;  // qwen2_5_vl only
  // The token each image feature replaces; -1 for a text-only model.
  int64_t image_token_index = 151646;
  int64_t video_token_index = 151647;
  // Qwen2-VL and Qwen2.5-VL: the tokens around each image's run of image tokens.
  int64_t vision_start_token_id = -1;
  int64_t vision_end_token_id = -1;
  // anyres: the (height, width) canvases an image alone in its sample may be
  // tiled into (HF's default: 384..2304 in steps of 384, both sides), and the
  // feature budget "anyres_max_N" (N tiles' worth) above which the unpadded
  // feature map is shrunk.
  std::vector<std::array<int64_t, 2>> image_grid_pinpoints = default_pinpoints();
  std::string vision_aspect_ratio = "anyres_max_9";
  std::string projector_hidden_act = "gelu";
  // Python-style index into the vision tower's hidden_states tuple
  // (embeddings, layer 1 output, ..., layer L output): -1 = last layer.
  int64_t vision_feature_layer = -1;
  std::string vision_feature_select_strategy = "full";  // "default" drops the first token
  bool multimodal_projector_bias = true;
  // The tying that takes effect: text_config's, as transformers 4.57 reads it
  // (the top-level value only when text_config has none); both are written.
  bool tie_word_embeddings = false;
  double initializer_range = 0.02;
  std::string model_type = "llava_onevision";
  std::vector<std::string> architectures = {"LlavaOnevisionForConditionalGeneration"};
  // dtype of the stored weights ("float32", "bfloat16", ...); empty = unknown. Read from
  // config.json's `dtype` (or the older `torch_dtype`), written as `dtype`.
  std::string torch_dtype;

  bool has_vision() const { return image_token_index >= 0; }
  // 0..L: how many vision encoder layers feed the selected features.
  int64_t vision_feature_layer_index() const;
  // Features of one tile: (image_size / patch_size)^2, less one for "default".
  int64_t tile_features() const;
  // Tokens of an image given as one tile (an image that shares its sample with
  // others): the tile's features plus one image_newline.
  int64_t single_tile_image_tokens() const { return tile_features() + 1; }

  static std::vector<std::array<int64_t, 2>> default_pinpoints();

  // Dispatches on model_type to the family's reader (model/registry.h).
  static VlmConfig from_json(const json& j, const std::string& where);
  // Reads a config.json file, or the config.json inside a folder.
  static VlmConfig load(const std::string& path);
  json to_json() const;
  void validate(const std::string& where) const;
};

// model_type, architectures (default: `architecture`), initializer_range and
// dtype: what every family's config.json may carry besides its own fields.
void read_common_fields(const json& j, const std::string& where, const std::string& architecture, VlmConfig& c);

}  // namespace vlsi::model
