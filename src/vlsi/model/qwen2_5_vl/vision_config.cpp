// Qwen25VisionConfig (model/config.h): vision_config of a Qwen2.5-VL config.json.
#include <algorithm>

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/config.h"

namespace vlsi::model {

using io::get_field;
using io::get_or;

bool Qwen25VisionConfig::full_attention(int64_t block) const {
  return std::find(fullatt_block_indexes.begin(), fullatt_block_indexes.end(), block) != fullatt_block_indexes.end();
}

Qwen25VisionConfig Qwen25VisionConfig::from_json(const json& j, const std::string& where) {
  check(j.is_object(), where, ": expected an object, got ", io::json_type_name(j));
  const std::string type = get_or<std::string>(j, "model_type", "qwen2_5_vl", where);
  check(type == "qwen2_5_vl", where, ": field 'model_type' is '", type, "', expected 'qwen2_5_vl'");
  Qwen25VisionConfig c;
  c.depth = get_field<int64_t>(j, "depth", where);
  c.hidden_size = get_field<int64_t>(j, "hidden_size", where);
  c.intermediate_size = get_field<int64_t>(j, "intermediate_size", where);
  c.num_heads = get_field<int64_t>(j, "num_heads", where);
  c.out_hidden_size = get_field<int64_t>(j, "out_hidden_size", where);
  // Hub configs name the channels in_chans; transformers reads in_channels.
  c.in_channels = get_or<int64_t>(j, "in_channels", get_or<int64_t>(j, "in_chans", c.in_channels, where), where);
  c.patch_size = get_or<int64_t>(j, "patch_size", c.patch_size, where);
  c.spatial_merge_size = get_or<int64_t>(j, "spatial_merge_size", c.spatial_merge_size, where);
  c.temporal_patch_size = get_or<int64_t>(j, "temporal_patch_size", c.temporal_patch_size, where);
  c.tokens_per_second = get_or<int64_t>(j, "tokens_per_second", c.tokens_per_second, where);
  c.window_size = get_or<int64_t>(j, "window_size", c.window_size, where);
  c.fullatt_block_indexes = get_or<std::vector<int64_t>>(j, "fullatt_block_indexes", c.fullatt_block_indexes, where);
  c.hidden_act = get_or<std::string>(j, "hidden_act", c.hidden_act, where);
  c.validate(where);
  return c;
}

json Qwen25VisionConfig::to_json() const {
  return {{"model_type", "qwen2_5_vl"}, {"depth", depth}, {"hidden_size", hidden_size},
          {"intermediate_size", intermediate_size}, {"num_heads", num_heads}, {"in_channels", in_channels},
          {"patch_size", patch_size}, {"spatial_merge_size", spatial_merge_size},
          {"temporal_patch_size", temporal_patch_size}, {"tokens_per_second", tokens_per_second},
          {"window_size", window_size}, {"out_hidden_size", out_hidden_size},
          {"fullatt_block_indexes", fullatt_block_indexes}, {"hidden_act", hidden_act}};
}

void Qwen25VisionConfig::validate(const std::string& where) const {
  const std::pair<const char*, int64_t> sizes[] = {
      {"depth", depth}, {"hidden_size", hidden_size}, {"intermediate_size", intermediate_size},
      {"num_heads", num_heads}, {"in_channels", in_channels}, {"patch_size", patch_size},
      {"spatial_merge_size", spatial_merge_size}, {"temporal_patch_size", temporal_patch_size},
      {"tokens_per_second", tokens_per_second}, {"window_size", window_size}, {"out_hidden_size", out_hidden_size}};
  for (const auto& [field, v] : sizes) check(v > 0, where, ": field '", field, "' must be positive, got ", v);
  check(hidden_size % num_heads == 0, where, ": hidden_size ", hidden_size, " is not divisible by num_heads ",
        num_heads);
  // The 2-D vision rotary splits each head into height and width halves of pairs.
  check(head_dim() % 4 == 0, where, ": head dimension ", head_dim(), " (hidden_size / num_heads) must be a multiple of 4");
  // transformers divides by the window's side in merged tokens: it must be at least one.
  check(merged_window() >= 1, where, ": field 'window_size' is ", window_size, ", less than one merged token (",
        spatial_merge_size * patch_size, " pixels)");
  for (int64_t b : fullatt_block_indexes)
    check(b >= 0, where, ": field 'fullatt_block_indexes' holds ", b, ", expected block indexes >= 0");
  check(hidden_act == "silu", where, ": field 'hidden_act' is '", hidden_act, "', only 'silu' is supported");
}

}  // namespace vlsi::model
