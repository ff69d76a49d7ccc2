#include "vlsi/model/config.h"

#include <algorithm>
#include <filesystem>

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/config_limits.h"
#include "vlsi/model/llava_onevision/anyres.h"

namespace vlsi::model {
namespace {

using io::get_field;
using io::get_or;

void check_positive(int64_t v, const std::string& where, const char* field) {
  check(v > 0, where, ": field '", field, "' must be positive, got ", v);
}

void check_optional_string(const json& j, const char* key, const std::string& expected, const std::string& where) {
  std::string v = get_or<std::string>(j, key, expected, where);
  check(v == expected, where, ": field '", key, "' is '", v, "', expected '", expected, "'");
}

// The dtypes config.json may name for the stored weights ("" = not named).
bool is_storage_dtype(const std::string& name) {
  static const char* kDtypes[] = {"", "float32", "float16", "bfloat16", "float64"};
  return std::find(std::begin(kDtypes), std::end(kDtypes), name) != std::end(kDtypes);
}

}  // namespace

VisionConfig VisionConfig::from_json(const json& j, const std::string& where) {
  check(j.is_object(), where, ": expected an object, got ", io::json_type_name(j));
  check_optional_string(j, "model_type", "siglip_vision_model", where);
  VisionConfig c;
  c.hidden_size = get_field<int64_t>(j, "hidden_size", where);
  c.intermediate_size = get_field<int64_t>(j, "intermediate_size", where);
  c.num_hidden_layers = get_field<int64_t>(j, "num_hidden_layers", where);
  c.num_attention_heads = get_field<int64_t>(j, "num_attention_heads", where);
  c.image_size = get_field<int64_t>(j, "image_size", where);
  c.patch_size = get_field<int64_t>(j, "patch_size", where);
  c.num_channels = get_or<int64_t>(j, "num_channels", c.num_channels, where);
  c.layer_norm_eps = get_or<double>(j, "layer_norm_eps", c.layer_norm_eps, where);
  c.hidden_act = get_or<std::string>(j, "hidden_act", c.hidden_act, where);
  c.validate(where);
  return c;
}

json VisionConfig::to_json() const {
  return {{"model_type", "siglip_vision_model"}, {"hidden_size", hidden_size},
          {"intermediate_size", intermediate_size}, {"num_hidden_layers", num_hidden_layers},
          {"num_attention_heads", num_attention_heads}, {"image_size", image_size},
          {"patch_size", patch_size}, {"num_channels", num_channels},
          {"layer_norm_eps", layer_norm_eps}, {"hidden_act", hidden_act},
          {"attention_dropout", 0.0}, {"vision_use_head", false}};
}

void VisionConfig::validate(const std::string& where) const {
  check_positive(hidden_size, where, "hidden_size");
  check_positive(intermediate_size, where, "intermediate_size");
  check_positive(num_hidden_layers, where, "num_hidden_layers");
  check_positive(num_attention_heads, where, "num_attention_heads");
  check_positive(image_size, where, "image_size");
  check_positive(patch_size, where, "patch_size");
  check_positive(num_channels, where, "num_channels");
  check(layer_norm_eps > 0, where, ": field 'layer_norm_eps' must be positive");
  check(hidden_size % num_attention_heads == 0, where, ": hidden_size ", hidden_size,
        " is not divisible by num_attention_heads ", num_attention_heads);
  // HF's SigLIP convolves with padding "valid": floor(image_size / patch_size)
  // patches per side, the remainder is dropped (384 / 14 -> 27 in LLaVA-OneVision).
  check(patch_size <= image_size, where, ": patch_size ", patch_size, " exceeds image_size ", image_size);
  check(hidden_act == "gelu_pytorch_tanh", where, ": field 'hidden_act' is '", hidden_act,
        "', only 'gelu_pytorch_tanh' is supported");
}

TextConfig TextConfig::from_json(const json& j, const std::string& where) {
  check(j.is_object(), where, ": expected an object, got ", io::json_type_name(j));
  check_optional_string(j, "model_type", "qwen2", where);
  TextConfig c;
  c.vocab_size = get_field<int64_t>(j, "vocab_size", where);
  c.hidden_size = get_field<int64_t>(j, "hidden_size", where);
  c.intermediate_size = get_field<int64_t>(j, "intermediate_size", where);
  c.num_hidden_layers = get_field<int64_t>(j, "num_hidden_layers", where);
  c.num_attention_heads = get_field<int64_t>(j, "num_attention_heads", where);
  c.num_key_value_heads = get_field<int64_t>(j, "num_key_value_heads", where);
  c.max_position_embeddings = get_or<int64_t>(j, "max_position_embeddings", c.max_position_embeddings, where);
  c.rope_theta = get_or<double>(j, "rope_theta", c.rope_theta, where);
  c.rms_norm_eps = get_or<double>(j, "rms_norm_eps", c.rms_norm_eps, where);
  c.tie_word_embeddings = get_or<bool>(j, "tie_word_embeddings", c.tie_word_embeddings, where);
  c.hidden_act = get_or<std::string>(j, "hidden_act", c.hidden_act, where);
  // Variants this implementation does not compute must not load silently.
  auto rs = j.find("rope_scaling");
  check(rs == j.end() || rs->is_null(), where, ": field 'rope_scaling' is not supported (must be null)");
  check(!get_or<bool>(j, "use_sliding_window", false, where), where,
        ": field 'use_sliding_window' = true is not supported");
  c.validate(where);
  return c;
}

json TextConfig::to_json() const {
  return {{"model_type", "qwen2"}, {"architectures", json::array({"Qwen2ForCausalLM"})}, {"vocab_size", vocab_size},
          {"hidden_size", hidden_size}, {"intermediate_size", intermediate_size},
          {"num_hidden_layers", num_hidden_layers}, {"num_attention_heads", num_attention_heads},
          {"num_key_value_heads", num_key_value_heads}, {"max_position_embeddings", max_position_embeddings},
          {"rope_theta", rope_theta}, {"rms_norm_eps", rms_norm_eps},
          {"tie_word_embeddings", tie_word_embeddings}, {"hidden_act", hidden_act}, {"rope_scaling", nullptr},
          {"use_sliding_window", false}, {"attention_dropout", 0.0}};
}

void TextConfig::validate(const std::string& where) const {
  check_positive(vocab_size, where, "vocab_size");
  check_positive(hidden_size, where, "hidden_size");
  check_positive(intermediate_size, where, "intermediate_size");
  check_positive(num_hidden_layers, where, "num_hidden_layers");
  check_positive(num_attention_heads, where, "num_attention_heads");
  check_positive(num_key_value_heads, where, "num_key_value_heads");
  check_positive(max_position_embeddings, where, "max_position_embeddings");
  check(rope_theta > 0, where, ": field 'rope_theta' must be positive");
  check(rms_norm_eps > 0, where, ": field 'rms_norm_eps' must be positive");
  check(hidden_size % num_attention_heads == 0, where, ": hidden_size ", hidden_size,
        " is not divisible by num_attention_heads ", num_attention_heads);
  check(num_attention_heads % num_key_value_heads == 0, where, ": num_attention_heads ", num_attention_heads,
        " is not divisible by num_key_value_heads ", num_key_value_heads);
  check(head_dim() % 2 == 0, where, ": head dimension ", head_dim(), " must be even for rotary embeddings");
  check(hidden_act == "silu", where, ": field 'hidden_act' is '", hidden_act, "', only 'silu' is supported");
}

int64_t VlmConfig::vision_feature_layer_index() const {
  int64_t n = vision_config.num_hidden_layers + 1;  // embeddings + every layer output
  return vision_feature_layer < 0 ? vision_feature_layer + n : vision_feature_layer;
}

int64_t VlmConfig::tile_features() const {
  return vision_config.num_patches() - (vision_feature_select_strategy == "default" ? 1 : 0);
}

std::vector<std::array<int64_t, 2>> VlmConfig::default_pinpoints() {
  std::vector<std::array<int64_t, 2>> out;
  for (int64_t h = 384; h <= 2304; h += 384)
    for (int64_t w = 384; w <= 2304; w += 384) out.push_back({h, w});
  return out;
}

VlmConfig VlmConfig::from_json(const json& j, const std::string& where) {
  check(j.is_object(), where, ": expected an object, got ", io::json_type_name(j));
  VlmConfig c;
  c.model_type = get_field<std::string>(j, "model_type", where);
  check(c.model_type == "llava_onevision", where, ": field 'model_type' is '", c.model_type,
        "', expected 'llava_onevision'");
  c.architectures = get_or<std::vector<std::string>>(j, "architectures", c.architectures, where);
  for (const auto& a : c.architectures)
    check(a == "LlavaOnevisionForConditionalGeneration", where, ": unknown architecture '", a,
          "' (expected LlavaOnevisionForConditionalGeneration)");
  check(j.contains("text_config"), where, ": missing field 'text_config'");
  check(j.contains("vision_config"), where, ": missing field 'vision_config'");
  c.text_config = TextConfig::from_json(j["text_config"], where + ": text_config");
  c.vision_config = VisionConfig::from_json(j["vision_config"], where + ": vision_config");
  // Newer transformers write image_token_id; older ones image_token_index.
  c.image_token_index = j.contains("image_token_index") ? get_field<int64_t>(j, "image_token_index", where)
                                                        : get_or<int64_t>(j, "image_token_id", c.image_token_index, where);
  c.video_token_index = j.contains("video_token_index") ? get_field<int64_t>(j, "video_token_index", where)
                                                        : get_or<int64_t>(j, "video_token_id", c.video_token_index, where);
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
  c.initializer_range = get_or<double>(j, "initializer_range", c.initializer_range, where);
  // transformers >= 4.56 writes `dtype` and reads the older `torch_dtype` when `dtype` is absent.
  const char* dtype_key = j.contains("dtype") ? "dtype" : "torch_dtype";
  c.torch_dtype = get_or<std::string>(j, dtype_key, "", where);
  check(is_storage_dtype(c.torch_dtype), where, ": field '", dtype_key, "' is '", c.torch_dtype,
        "', expected float32, float16, bfloat16 or float64");
  c.validate(where);
  return c;
}

VlmConfig VlmConfig::load(const std::string& path) {
  std::string file = std::filesystem::is_directory(path) ? (std::filesystem::path(path) / "config.json").string() : path;
  return from_json(io::read_json_file(file), file);
}

json VlmConfig::to_json() const {
  json t = text_config.to_json();
  t["tie_word_embeddings"] = tie_word_embeddings;
  json j = {{"model_type", model_type}, {"architectures", architectures}, {"text_config", t},
            {"vision_config", vision_config.to_json()}, {"image_token_index", image_token_index},
            {"video_token_index", video_token_index}, {"image_grid_pinpoints", image_grid_pinpoints},
            {"vision_aspect_ratio", vision_aspect_ratio},
            {"projector_hidden_act", projector_hidden_act}, {"vision_feature_layer", vision_feature_layer},
            {"vision_feature_select_strategy", vision_feature_select_strategy},
            {"multimodal_projector_bias", multimodal_projector_bias}, {"tie_word_embeddings", tie_word_embeddings},
            {"initializer_range", initializer_range}};
  // As transformers 4.57's save_pretrained: `dtype`, no `torch_dtype`.
  if (!torch_dtype.empty()) j["dtype"] = torch_dtype;
  return j;
}

void VlmConfig::validate(const std::string& where) const {
  text_config.validate(where + ": text_config");
  vision_config.validate(where + ": vision_config");
  check_size_limits(*this, where);  // before anything is built from these sizes
  check(model_type == "llava_onevision", where, ": field 'model_type' is '", model_type, "', expected 'llava_onevision'");
  check(image_token_index >= 0 && image_token_index < text_config.vocab_size, where, ": image_token_index ",
        image_token_index, " is outside the vocabulary [0, ", text_config.vocab_size, ")");
  check(projector_hidden_act == "gelu", where, ": field 'projector_hidden_act' is '", projector_hidden_act,
        "', only 'gelu' is supported");
  int64_t n = vision_config.num_hidden_layers + 1;
  check(vision_feature_layer >= -n && vision_feature_layer < n, where, ": vision_feature_layer ",
        vision_feature_layer, " is outside [", -n, ", ", n - 1, "] for ", vision_config.num_hidden_layers,
        " vision layers");
  check(vision_feature_select_strategy == "full" || vision_feature_select_strategy == "default", where,
        ": field 'vision_feature_select_strategy' is '", vision_feature_select_strategy,
        "', expected 'full' or 'default'");
  check(tile_features() > 0, where, ": images would contribute no tokens");
  check(!image_grid_pinpoints.empty(), where, ": field 'image_grid_pinpoints' is empty");
  for (const auto& p : image_grid_pinpoints)
    check(p[0] >= vision_config.image_size && p[1] >= vision_config.image_size, where, ": image_grid_pinpoint [",
          p[0], ", ", p[1], "] is smaller than the vision tower's ", vision_config.image_size, "px tile");
  llava_onevision::max_num_patches(vision_aspect_ratio, where + ": vision_aspect_ratio");
  check(is_storage_dtype(torch_dtype), where, ": field 'dtype' is '", torch_dtype,
        "', expected float32, float16, bfloat16 or float64");
  check(initializer_range > 0, where, ": field 'initializer_range' must be positive");
}

}  // namespace vlsi::model
