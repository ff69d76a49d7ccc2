#include <gtest/gtest.h>

#include "tiny_model.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/config.h"
#include "vlsi/model/llava_onevision/processor.h"

using namespace vlsi;
using namespace vlsi::model;
using vlsi::model::test_support::expect_config_error;
using vlsi::model::test_support::temp_dir;

namespace {

// Shaped like the config.json of llava-hf/llava-onevision-qwen2-0.5b-ov-hf:
// HF leaves out fields equal to its defaults (eps, hidden_act, num_channels).
json hub_like_config() {
  return json::parse(R"({
    "architectures": ["LlavaOnevisionForConditionalGeneration"],
    "image_token_index": 151646, "model_type": "llava_onevision", "projector_hidden_act": "gelu",
    "text_config": {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 896, "intermediate_size": 4864,
      "max_position_embeddings": 32768, "model_type": "qwen2", "num_attention_heads": 14,
      "num_hidden_layers": 24, "num_key_value_heads": 2, "rope_theta": 1000000.0, "tie_word_embeddings": true,
      "torch_dtype": "bfloat16", "vocab_size": 152000},
    "torch_dtype": "float16", "use_image_newline_parameter": true, "video_token_index": 151647,
    "vision_aspect_ratio": "anyres_max_9",
    "vision_config": {"hidden_size": 1152, "image_size": 384, "intermediate_size": 4304,
      "model_type": "siglip_vision_model", "num_attention_heads": 16, "num_hidden_layers": 26,
      "patch_size": 14, "vision_use_head": false},
    "vision_feature_layer": -1, "vision_feature_select_strategy": "full"
  })");
}

}  // namespace

TEST(Config, ReadsHubConfigWithHfDefaults) {
  VlmConfig c = VlmConfig::from_json(hub_like_config(), "config.json");
  EXPECT_EQ(c.text_config.hidden_size, 896);
  EXPECT_EQ(c.text_config.num_key_value_heads, 2);
  EXPECT_EQ(c.text_config.head_dim(), 64);
  EXPECT_DOUBLE_EQ(c.text_config.rope_theta, 1e6);
  EXPECT_DOUBLE_EQ(c.text_config.rms_norm_eps, 1e-6);
  EXPECT_EQ(c.text_config.hidden_act, "silu");
  EXPECT_EQ(c.vision_config.num_channels, 3);
  EXPECT_DOUBLE_EQ(c.vision_config.layer_norm_eps, 1e-6);
  EXPECT_EQ(c.vision_config.hidden_act, "gelu_pytorch_tanh");
  // 384 / 14 -> 27 patches per side (HF's "valid" convolution drops the remainder).
  EXPECT_EQ(c.tile_features(), 729);
  EXPECT_EQ(c.single_tile_image_tokens(), 730);  // plus one image_newline
  EXPECT_EQ(c.image_grid_pinpoints.size(), 36u);  // HF's default: 384..2304 on both sides
  EXPECT_EQ(c.vision_aspect_ratio, "anyres_max_9");
  EXPECT_EQ(c.vision_feature_layer_index(), 26);
  EXPECT_EQ(c.image_token_index, 151646);
  EXPECT_TRUE(c.tie_word_embeddings);  // no top-level value: text_config's
  EXPECT_EQ(c.torch_dtype, "float16");
}

TEST(Config, TextConfigTieWinsAsInTransformersAndNewFieldNames) {
  json j = hub_like_config();
  j["tie_word_embeddings"] = false;  // llava-onevision-qwen2-0.5b-ov-hf: top-level false, text true -> tied
  EXPECT_TRUE(VlmConfig::from_json(j, "config.json").tie_word_embeddings);
  j["text_config"].erase("tie_word_embeddings");  // older checkpoints: only the top-level value
  j.erase("image_token_index");
  j["image_token_id"] = 151000;
  j.erase("torch_dtype");
  j["dtype"] = "bfloat16";
  VlmConfig c = VlmConfig::from_json(j, "config.json");
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.image_token_index, 151000);
  EXPECT_EQ(c.torch_dtype, "bfloat16");
}

TEST(Config, JsonRoundTripAndFileLoad) {
  VlmConfig c = test_support::tiny_config();
  c.vision_feature_layer = -2;
  c.vision_feature_select_strategy = "default";
  c.tie_word_embeddings = true;
  c.torch_dtype = "bfloat16";
  std::string dir = temp_dir();
  io::write_json_file(dir + "/config.json", c.to_json());
  VlmConfig back = VlmConfig::load(dir);
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_EQ(back.vision_feature_layer_index(), 1);
  EXPECT_EQ(back.tile_features(), 15);
  EXPECT_TRUE(back.text_config.tie_word_embeddings);  // written into both places
  EXPECT_EQ(VlmConfig::load(dir + "/config.json").to_json(), c.to_json());
}

TEST(Config, ErrorsNameFileAndField) {
  json j = hub_like_config();
  j["architectures"] = json::array({"LlavaForConditionalGeneration"});
  expect_config_error(j, "unknown architecture 'LlavaForConditionalGeneration'");
  j = hub_like_config();
  j["model_type"] = "llava";
  expect_config_error(j, "unknown model_type 'llava'");
  j = hub_like_config();
  j.erase("model_type");
  expect_config_error(j, "missing field 'model_type'");
  j = hub_like_config();
  j["text_config"].erase("hidden_size");
  expect_config_error(j, "text_config: missing field 'hidden_size'");
  j = hub_like_config();
  j["vision_config"]["num_hidden_layers"] = "26";
  expect_config_error(j, "vision_config: field 'num_hidden_layers': expected integer, got string");
  j = hub_like_config();
  j["text_config"]["rms_norm_eps"] = "small";
  expect_config_error(j, "field 'rms_norm_eps': expected number");
  j = hub_like_config();
  j["text_config"]["num_attention_heads"] = 15;
  expect_config_error(j, "hidden_size 896 is not divisible by num_attention_heads 15");
  j = hub_like_config();
  j["text_config"]["num_key_value_heads"] = 4;
  expect_config_error(j, "num_attention_heads 14 is not divisible by num_key_value_heads 4");
  j = hub_like_config();
  j["vision_config"]["num_attention_heads"] = 7;
  expect_config_error(j, "vision_config: hidden_size 1152 is not divisible by num_attention_heads 7");
  j = hub_like_config();
  j["vision_config"]["patch_size"] = 400;
  expect_config_error(j, "patch_size 400 exceeds image_size 384");
  j = hub_like_config();
  j["vision_feature_layer"] = 27;
  expect_config_error(j, "vision_feature_layer 27 is outside [-27, 26]");
  j = hub_like_config();
  j["vision_feature_layer"] = {-2, -5};
  expect_config_error(j, "lists of layers are not supported");
  j = hub_like_config();
  j["text_config"]["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};
  expect_config_error(j, "'rope_scaling' is not supported");
  j = hub_like_config();
  j["image_token_index"] = 152000;
  expect_config_error(j, "image_token_index 152000 is outside the vocabulary");
  j = hub_like_config();
  j["projector_hidden_act"] = "relu";
  expect_config_error(j, "projector_hidden_act");
  j = hub_like_config();
  j["vision_config"]["model_type"] = "clip_vision_model";
  expect_config_error(j, "vision_config: field 'model_type' is 'clip_vision_model'");
  j = hub_like_config();
  j.erase("text_config");
  expect_config_error(j, "missing field 'text_config'");
}

TEST(Config, ProcessorOfANewModelFollowsItsConfig) {
  VlmConfig c = test_support::tiny_config();
  const auto p = llava_onevision::LlavaOnevisionProcessor::for_model(c);
  json j = p.image_processor.to_json();
  EXPECT_EQ(j["size"]["height"], 16);
  EXPECT_EQ(j["size"]["width"], 16);
  EXPECT_EQ(j["image_grid_pinpoints"], json({{16, 16}, {16, 32}, {32, 16}, {32, 32}}));
  EXPECT_EQ(j["resample"], 3);
  EXPECT_EQ(j["image_mean"], json({0.5, 0.5, 0.5}));
  EXPECT_EQ(j["image_processor_type"], "LlavaOnevisionImageProcessor");
  EXPECT_EQ(p.num_image_tokens, 16);
  // One 16x16 image alone: base tile + one grid tile (16 + 16) + 4 newlines; two: 17 each.
  EXPECT_EQ(p.image_token_counts({{16, 16}}), std::vector<int64_t>{36});
  EXPECT_EQ(p.image_token_counts({{16, 16}, {40, 20}}), (std::vector<int64_t>{17, 17}));
  const std::string dir = test_support::temp_dir();
  p.save(dir);
  const auto back = llava_onevision::LlavaOnevisionProcessor::load(dir, c);
  EXPECT_EQ(back.image_processor.to_json(), j);
  EXPECT_EQ(io::read_json_file(dir + "/processor_config.json")["num_image_tokens"], 16);
}
