#include "vlsi/model/config.h"

#include <algorithm>
#include <filesystem>

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/config_limits.h"
#include "vlsi/model/registry.h"

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

// rope_scaling as Qwen2-VL writes it: {"type": "mrope" | "default", "rope_type":
// "default", "mrope_section": [t, h, w]}; any other scaling is refused.
std::vector<int64_t> mrope_section_of(const json& rs, const std::string& where) {
  check(rs.is_object(), where, ": field 'rope_scaling': expected an object or null");
  for (const char* key : {"type", "rope_type"}) {
    std::string t = get_or<std::string>(rs, key, "default", where + ": rope_scaling");
    check(t == "default" || t == "mrope", where, ": field 'rope_scaling.", key, "' is '", t,
          "'; only M-RoPE without scaling is supported");
  }
  check(rs.contains("mrope_section"), where, ": field 'rope_scaling' is not supported (only M-RoPE's mrope_section)");
  return get_field<std::vector<int64_t>>(rs, "mrope_section", where + ": rope_scaling");
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

TextConfig TextConfig::from_json(const json& j, const std::string& where) { return from_json(j, where, TextConfig()); }

TextConfig TextConfig::from_json(const json& j, const std::string& where, const TextConfig& defaults) {
  check(j.is_object(), where, ": expected an object, got ", io::json_type_name(j));
  check_optional_string(j, "model_type", defaults.model_type, where);
  TextConfig c = defaults;
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
  const bool has_scaling = rs != j.end() && !rs->is_null();
  if (defaults.mrope_section.empty()) {
    check(!has_scaling, where, ": field 'rope_scaling' is not supported (must be null)");
  } else {
    check(has_scaling, where, ": field 'rope_scaling.mrope_section' is missing (this model uses M-RoPE)");
    c.mrope_section = mrope_section_of(*rs, where);
  }
  check(!get_or<bool>(j, "use_sliding_window", false, where), where,
        ": field 'use_sliding_window' = true is not supported");
  c.validate(where);
  return c;
}

json TextConfig::to_json() const {
  json rope_scaling = nullptr;  // as transformers 4.57 writes Qwen2-VL's
  if (!mrope_section.empty())
    rope_scaling = {{"mrope_section", mrope_section}, {"rope_type", "default"}, {"type", "default"}};
  return {{"model_type", model_type}, {"architectures", json::array({"Qwen2ForCausalLM"})}, {"vocab_size", vocab_size},
          {"hidden_size", hidden_size}, {"intermediate_size", intermediate_size},
          {"num_hidden_layers", num_hidden_layers}, {"num_attention_heads", num_attention_heads},
          {"num_key_value_heads", num_key_value_heads}, {"max_position_embeddings", max_position_embeddings},
          {"rope_theta", rope_theta}, {"rms_norm_eps", rms_norm_eps},
          {"tie_word_embeddings", tie_word_embeddings}, {"hidden_act", hidden_act}, {"rope_scaling", rope_scaling},
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
  if (!mrope_section.empty()) {
    int64_t sum = 0;
    for (int64_t s : mrope_section) {
      check(s >= 0, where, ": field 'rope_scaling.mrope_section' has a negative entry");
      sum += s;
    }
    check(mrope_section.size() == 3 && sum == head_dim() / 2, where, ": field 'rope_scaling.mrope_section' must be ",
          "3 sections adding up to head_dim / 2 = ", head_dim() / 2);
  }
}

Qwen2VisionConfig Qwen2VisionConfig::from_json(const json& j, const std::string& where) {
  check(j.is_object(), where, ": expected an object, got ", io::json_type_name(j));
  check_optional_string(j, "model_type", "qwen2_vl", where);
  Qwen2VisionConfig c;
  c.depth = get_field<int64_t>(j, "depth", where);
  c.embed_dim = get_field<int64_t>(j, "embed_dim", where);
  c.hidden_size = get_field<int64_t>(j, "hidden_size", where);
  c.num_heads = get_field<int64_t>(j, "num_heads", where);
  c.mlp_ratio = get_or<int64_t>(j, "mlp_ratio", c.mlp_ratio, where);
  // Hub configs of Qwen2-VL name the channels in_chans; transformers reads in_channels.
  c.in_channels = get_or<int64_t>(j, "in_channels", get_or<int64_t>(j, "in_chans", c.in_channels, where), where);
  c.patch_size = get_or<int64_t>(j, "patch_size", c.patch_size, where);
  c.spatial_merge_size = get_or<int64_t>(j, "spatial_merge_size", c.spatial_merge_size, where);
  c.temporal_patch_size = get_or<int64_t>(j, "temporal_patch_size", c.temporal_patch_size, where);
  c.hidden_act = get_or<std::string>(j, "hidden_act", c.hidden_act, where);
  c.validate(where);
  return c;
}

json Qwen2VisionConfig::to_json() const {
  return {{"model_type", "qwen2_vl"}, {"depth", depth}, {"embed_dim", embed_dim}, {"hidden_size", hidden_size},
          {"mlp_ratio", mlp_ratio}, {"num_heads", num_heads}, {"in_channels", in_channels},
          {"patch_size", patch_size}, {"spatial_merge_size", spatial_merge_size},
          {"temporal_patch_size", temporal_patch_size}, {"hidden_act", hidden_act}};
}

void Qwen2VisionConfig::validate(const std::string& where) const {
  check_positive(depth, where, "depth");
  check_positive(embed_dim, where, "embed_dim");
  check_positive(hidden_size, where, "hidden_size");
  check_positive(mlp_ratio, where, "mlp_ratio");
  check_positive(num_heads, where, "num_heads");
  check_positive(in_channels, where, "in_channels");
  check_positive(patch_size, where, "patch_size");
  check_positive(spatial_merge_size, where, "spatial_merge_size");
  check_positive(temporal_patch_size, where, "temporal_patch_size");
  check(embed_dim % num_heads == 0, where, ": embed_dim ", embed_dim, " is not divisible by num_heads ", num_heads);
  // The 2-D vision rotary splits each head into height and width halves of pairs.
  check(head_dim() % 4 == 0, where, ": head dimension ", head_dim(), " (embed_dim / num_heads) must be a multiple of 4");
  check(hidden_act == "quick_gelu", where, ": field 'hidden_act' is '", hidden_act,
        "', only 'quick_gelu' is supported");
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
  const std::string type = get_field<std::string>(j, "model_type", where);
  VlmConfig c = model_family(type, where).config_from_json(j, where);
  c.validate(where);
  return c;
}

VlmConfig VlmConfig::load(const std::string& path) {
  std::string file = std::filesystem::is_directory(path) ? (std::filesystem::path(path) / "config.json").string() : path;
  return from_json(io::read_json_file(file), file);
}

json VlmConfig::to_json() const {
  json j = model_family(model_type, "model config").config_to_json(*this);
  // As transformers 4.57's save_pretrained: `dtype`, no `torch_dtype`.
  if (!torch_dtype.empty()) j["dtype"] = torch_dtype;
  return j;
}

void VlmConfig::validate(const std::string& where) const {
  const ModelFamily& family = model_family(model_type, where);
  text_config.validate(where + ": text_config");
  check(is_storage_dtype(torch_dtype), where, ": field 'dtype' is '", torch_dtype,
        "', expected float32, float16, bfloat16 or float64");
  check(initializer_range > 0, where, ": field 'initializer_range' must be positive");
  for (const auto& a : architectures)
    check(std::find(family.architectures.begin(), family.architectures.end(), a) != family.architectures.end(), where,
          ": unknown architecture '", a, "' for model_type '", model_type, "' (expected ", family.architectures[0], ")");
  family.validate_config(*this, where);  // the towers, the size limits, the family's own fields
  if (has_vision())
    check(image_token_index < text_config.vocab_size, where, ": image_token_index ", image_token_index,
          " is outside the vocabulary [0, ", text_config.vocab_size, ")");
}

// What every family's config.json may carry besides its own fields.
void read_common_fields(const json& j, const std::string& where, const std::string& architecture, VlmConfig& c) {
  c.model_type = get_field<std::string>(j, "model_type", where);
  c.architectures = get_or<std::vector<std::string>>(j, "architectures", {architecture}, where);
  c.initializer_range = get_or<double>(j, "initializer_range", c.initializer_range, where);
  // transformers >= 4.56 writes `dtype` and reads the older `torch_dtype` when `dtype` is absent.
  const char* dtype_key = j.contains("dtype") ? "dtype" : "torch_dtype";
  c.torch_dtype = get_or<std::string>(j, dtype_key, "", where);
  check(is_storage_dtype(c.torch_dtype), where, ": field '", dtype_key, "' is '", c.torch_dtype,
        "', expected float32, float16, bfloat16 or float64");
}

}  // namespace vlsi::model
