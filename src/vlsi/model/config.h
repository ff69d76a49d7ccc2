#pragma once
// Typed model configuration read from / written to a Hugging Face config.json of
// a LlavaOnevisionForConditionalGeneration (SigLIP vision tower + Qwen2 decoder).
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

  int64_t head_dim() const { return hidden_size / num_attention_heads; }

  static TextConfig from_json(const json& j, const std::string& where);
  json to_json() const;
  void validate(const std::string& where) const;
};

struct VlmConfig {  // LlavaOnevisionConfig
  TextConfig text_config;
  VisionConfig vision_config;
  int64_t image_token_index = 151646;
  int64_t video_token_index = 151647;
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

  // 0..L: how many vision encoder layers feed the selected features.
  int64_t vision_feature_layer_index() const;
  // Features of one tile: (image_size / patch_size)^2, less one for "default".
  int64_t tile_features() const;
  // Tokens of an image given as one tile (an image that shares its sample with
  // others): the tile's features plus one image_newline.
  int64_t single_tile_image_tokens() const { return tile_features() + 1; }

  static std::vector<std::array<int64_t, 2>> default_pinpoints();

  static VlmConfig from_json(const json& j, const std::string& where);
  // Reads a config.json file, or the config.json inside a folder.
  static VlmConfig load(const std::string& path);
  json to_json() const;
  void validate(const std::string& where) const;
};

}  // namespace vlsi::model
