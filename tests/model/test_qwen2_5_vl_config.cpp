// Qwen2.5-VL's config.json: the layout transformers 4.57 writes (decoder in
// text_config) and the published checkpoints' flat one both load; every bad
// field is one line naming the file and the field; the parameter count is the
// built model's; checkpoint names of both transformers layouts map to the model's.
#include <gtest/gtest.h>

#include <set>

#include "tiny_model.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/config.h"
#include "vlsi/model/config_limits.h"
#include "vlsi/model/registry.h"

using namespace vlsi;
using namespace vlsi::model;
using vlsi::model::test_support::expect_config_error;

namespace {

// Shaped like Qwen/Qwen2.5-VL-3B-Instruct's config.json: the decoder's fields
// at the top level, the vision tower's channels as in_chans, fields transformers
// does not read (spatial_patch_size, sliding_window, ...) left in.
json hub_config() {
  return json::parse(R"({
    "architectures": ["Qwen2_5_VLForConditionalGeneration"], "attention_dropout": 0.0,
    "bos_token_id": 151643, "eos_token_id": 151645, "vision_start_token_id": 151652,
    "vision_end_token_id": 151653, "vision_token_id": 151654, "image_token_id": 151655,
    "video_token_id": 151656, "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02,
    "intermediate_size": 11008, "max_position_embeddings": 128000, "max_window_layers": 70,
    "model_type": "qwen2_5_vl", "num_attention_heads": 16, "num_hidden_layers": 36, "num_key_value_heads": 2,
    "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true,
    "torch_dtype": "bfloat16", "transformers_version": "4.41.2", "use_cache": true, "use_sliding_window": false,
    "vision_config": {"depth": 32, "hidden_act": "silu", "hidden_size": 1280, "intermediate_size": 3420,
      "num_heads": 16, "in_chans": 3, "out_hidden_size": 2048, "patch_size": 14, "spatial_merge_size": 2,
      "spatial_patch_size": 14, "window_size": 112, "fullatt_block_indexes": [7, 15, 23, 31],
      "tokens_per_second": 2, "temporal_patch_size": 2},
    "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]}, "vocab_size": 151936
  })");
}

// As transformers 4.57 saves a tiny one (scripts/make_goldens_qwen2.py).
json nested_config() {
  return json::parse(R"({
    "dtype": "float32", "image_token_id": 90, "model_type": "qwen2_5_vl", "video_token_id": 91,
    "vision_start_token_id": 92, "vision_end_token_id": 93,
    "text_config": {"architectures": ["Qwen2_5_VLForConditionalGeneration"], "hidden_act": "silu",
      "hidden_size": 16, "intermediate_size": 32, "layer_types": ["full_attention", "full_attention"],
      "max_position_embeddings": 4096, "max_window_layers": 80, "model_type": "qwen2_5_vl_text",
      "num_attention_heads": 2, "num_hidden_layers": 2, "num_key_value_heads": 1, "rms_norm_eps": 1e-05,
      "rope_scaling": {"mrope_section": [2, 1, 1], "rope_type": "default", "type": "default"},
      "rope_theta": 1000000.0, "sliding_window": null, "tie_word_embeddings": true, "use_sliding_window": false,
      "vocab_size": 96},
    "vision_config": {"depth": 3, "fullatt_block_indexes": [1], "hidden_act": "silu", "hidden_size": 16,
      "in_channels": 3, "intermediate_size": 24, "model_type": "qwen2_5_vl", "num_heads": 2,
      "out_hidden_size": 16, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2,
      "tokens_per_second": 2, "window_size": 56}
  })");
}


}  // namespace

TEST(Qwen25VlConfig, ReadsTheHubsFlatLayout) {
  VlmConfig c = VlmConfig::from_json(hub_config(), "config.json");
  EXPECT_EQ(c.model_type, "qwen2_5_vl");
  EXPECT_EQ(c.text_config.model_type, "qwen2_5_vl_text");
  EXPECT_EQ(c.text_config.hidden_size, 2048);
  EXPECT_EQ(c.text_config.num_hidden_layers, 36);
  EXPECT_EQ(c.text_config.mrope_section, (std::vector<int64_t>{16, 24, 24}));
  EXPECT_DOUBLE_EQ(c.text_config.rms_norm_eps, 1e-6);
  EXPECT_TRUE(c.tie_word_embeddings);
  const Qwen25VisionConfig& v = c.qwen2_5_vision_config;
  EXPECT_EQ(v.depth, 32);
  EXPECT_EQ(v.hidden_size, 1280);
  EXPECT_EQ(v.intermediate_size, 3420);
  EXPECT_EQ(v.out_hidden_size, 2048);
  EXPECT_EQ(v.in_channels, 3);
  EXPECT_EQ(v.head_dim(), 80);
  EXPECT_EQ(v.merged_window(), 4);  // 112 px = 4 merged tokens of 28 px
  EXPECT_TRUE(v.full_attention(7));
  EXPECT_FALSE(v.full_attention(8));
  EXPECT_EQ(v.tokens_per_second, 2);
  EXPECT_EQ(c.image_token_index, 151655);
  EXPECT_EQ(c.vision_start_token_id, 151652);
  EXPECT_EQ(c.torch_dtype, "bfloat16");
  // What transformers 4.57 builds from this config (tied: the head is the embedding).
  EXPECT_EQ(parameter_count(c), 3754622976);
}

TEST(Qwen25VlConfig, ReadsTheNestedLayoutAndRoundTrips) {
  VlmConfig c = VlmConfig::from_json(nested_config(), "config.json");
  EXPECT_EQ(c.text_config.hidden_size, 16);
  EXPECT_EQ(c.text_config.num_key_value_heads, 1);
  EXPECT_EQ(c.qwen2_5_vision_config.fullatt_block_indexes, std::vector<int64_t>{1});
  EXPECT_EQ(c.qwen2_5_vision_config.merged_window(), 2);
  EXPECT_EQ(c.image_token_index, 90);
  const std::string dir = test_support::temp_dir();
  io::write_json_file(dir + "/config.json", c.to_json());
  VlmConfig back = load_model_config(dir);
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_EQ(back.to_json()["text_config"]["model_type"], "qwen2_5_vl_text");
  EXPECT_EQ(back.to_json()["vision_config"]["window_size"], 56);
}

TEST(Qwen25VlConfig, ParameterCountIsTheBuiltModelsAndBothLayoutsMap) {
  for (bool tied : {true, false}) {
    json j = nested_config();
    j["text_config"]["tie_word_embeddings"] = tied;
    VlmConfig c = VlmConfig::from_json(j, "config.json");
    CausalVlm m = create_family_model(c);
    EXPECT_EQ(parameter_count(c), m->parameter_count()) << "tied " << tied;
    const ModelFamily& f = model_family("qwen2_5_vl", "test");
    std::set<std::string> names;
    for (const auto& p : m->named_parameters()) names.insert(p.key());
    EXPECT_TRUE(names.count("visual.blocks.2.mlp.gate_proj.bias"));
    EXPECT_TRUE(names.count("visual.merger.ln_q.weight"));
    EXPECT_EQ(names.count("lm_head.weight"), tied ? 0u : 1u);
    for (const auto& n : names) {
      // transformers' newer layout: model.visual.*, model.language_model.*; lm_head.* as it is.
      std::string newer = n.rfind("visual.", 0) == 0 ? "model." + n
                          : n.rfind("model.", 0) == 0 ? "model.language_model." + n.substr(6)
                                                      : n;
      EXPECT_EQ(f.parameter_name(newer), n);
      EXPECT_EQ(f.parameter_name(n), n);
    }
    EXPECT_EQ(m->part_of_parameter("visual.merger.mlp.0.weight"), Part::Projector);
    EXPECT_EQ(m->part_of_parameter("visual.blocks.0.attn.qkv.weight"), Part::Vision);
  }
}

TEST(Qwen25VlConfig, ErrorsNameFileAndField) {
  auto with = [](const char* pointer, const json& value) {
    json j = nested_config();
    j[json::json_pointer(pointer)] = value;
    return j;
  };
  expect_config_error(with("/vision_config/window_size", 20), "vision_config: field 'window_size' is 20, less than one merged token (28 pixels)");
  expect_config_error(with("/vision_config/window_size", "56"), "vision_config: field 'window_size': expected integer");
  expect_config_error(with("/vision_config/hidden_act", "gelu"), "vision_config: field 'hidden_act' is 'gelu'");
  expect_config_error(with("/vision_config/num_heads", 3), "vision_config: hidden_size 16 is not divisible by num_heads 3");
  expect_config_error(with("/vision_config/num_heads", 8), "head dimension 2 (hidden_size / num_heads) must be a multiple of 4");
  expect_config_error(with("/vision_config/fullatt_block_indexes", json::array({1, -1})),
               "vision_config: field 'fullatt_block_indexes' holds -1");
  expect_config_error(with("/vision_config/fullatt_block_indexes", 1), "field 'fullatt_block_indexes'");
  expect_config_error(with("/vision_config/out_hidden_size", 32),
               "vision_config.out_hidden_size 32 (the merger's output) differs from the decoder's hidden_size 16");
  expect_config_error(with("/vision_config/model_type", "qwen2_vl"), "vision_config: field 'model_type' is 'qwen2_vl'");
  expect_config_error(with("/vision_config/depth", 0), "vision_config: field 'depth' must be positive");
  expect_config_error(with("/vision_config/depth", 5000), "vision_config: field 'depth' is 5000, more than the limit");
  expect_config_error(with("/vision_config/tokens_per_second", 0), "field 'tokens_per_second' must be positive");
  expect_config_error(with("/text_config/rope_scaling", nullptr), "rope_scaling.mrope_section' is missing");
  expect_config_error(with("/text_config/model_type", "qwen2_vl_text"), "text_config: field 'model_type' is 'qwen2_vl_text'");
  expect_config_error(with("/image_token_id", 500), "field 'image_token_id' is 500, outside the vocabulary");
  expect_config_error(with("/architectures", json::array({"Qwen2VLForConditionalGeneration"})),
               "unknown architecture 'Qwen2VLForConditionalGeneration' for model_type 'qwen2_5_vl'");
  json j = nested_config();
  j["vision_config"].erase("out_hidden_size");
  expect_config_error(j, "vision_config: missing field 'out_hidden_size'");
  j = nested_config();
  j.erase("vision_config");
  expect_config_error(j, "missing field 'vision_config'");
  j = hub_config();
  j["vision_config"].erase("intermediate_size");
  expect_config_error(j, "vision_config: missing field 'intermediate_size'");
}
