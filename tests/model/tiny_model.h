#pragma once
// Small configurations and inputs shared by the model tests.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "../support/temp_dir.h"
#include "vlsi/io/error.h"
#include "vlsi/model/config.h"

namespace vlsi::model::test_support {

// 2 vision layers (hidden 32, 16x16 tiles, 4x4 patches -> 16 features per
// tile; anyres up to 2x2 tiles), 2 text layers (hidden 64, 4 heads over 2 kv
// heads), vocab 96, image token 95.
inline VlmConfig tiny_config() {
  VlmConfig c;
  c.vision_config.hidden_size = 32;
  c.vision_config.intermediate_size = 48;
  c.vision_config.num_hidden_layers = 2;
  c.vision_config.num_attention_heads = 4;
  c.vision_config.image_size = 16;
  c.vision_config.patch_size = 4;
  c.text_config.vocab_size = 96;
  c.text_config.hidden_size = 64;
  c.text_config.intermediate_size = 96;
  c.text_config.num_hidden_layers = 2;
  c.text_config.num_attention_heads = 4;
  c.text_config.num_key_value_heads = 2;
  c.text_config.max_position_embeddings = 256;
  c.text_config.rope_theta = 10000.0;
  c.image_token_index = 95;
  c.image_grid_pinpoints = {{16, 16}, {16, 32}, {32, 16}, {32, 32}};
  return c;
}

// VlmConfig::from_json(j, "cfg/config.json") fails with one line that names the
// file and holds `needle`.
inline void expect_config_error(const json& j, const std::string& needle) {
  try {
    VlmConfig::from_json(j, "cfg/config.json");
    FAIL() << "expected an error containing '" << needle << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cfg/config.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

// A per-test empty folder under the temp directory, removed at exit.
inline std::string temp_dir(const std::string& tag = "") {
  return vlsi::test_dirs::scratch_dir("vlsi_model_", tag);
}

// Text ids (never the image token) with `images` runs of `per_image` image tokens
// starting at `image_at`.
inline torch::Tensor make_ids(int64_t length, int64_t image_at, int64_t images, int64_t per_image, int64_t seed,
                              int64_t image_token = 95, int64_t vocab = 95) {
  auto ids = torch::remainder(torch::arange(length, torch::kLong) * 7 + seed * 13, vocab);
  for (int64_t k = 0; k < images * per_image; ++k) ids[image_at + k] = image_token;
  return ids;
}

}  // namespace vlsi::model::test_support
