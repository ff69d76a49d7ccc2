// Config sizes are checked before any module is built: the parameter count a
// config implies must equal what the modules allocate, and each size beyond
// its limit is refused with one line naming the field.
#include <gtest/gtest.h>

#include <cstdlib>

#include "../support/error_message.h"
#include "tiny_model.h"
#include "vlsi/io/limits.h"
#include "vlsi/model/config_limits.h"
#include "vlsi/model/registry.h"

namespace {

using vlsi::model::VlmConfig;
using vlsi::test_messages::expect_one_line_error;

VlmConfig tiny_for_limits() { return vlsi::model::test_support::tiny_config(); }

}  // namespace

TEST(ConfigLimits, ParameterCountFromTheConfigEqualsTheBuiltModel) {
  for (bool tied : {false, true}) {
    for (bool bias : {false, true}) {
      VlmConfig c = tiny_for_limits();
      c.tie_word_embeddings = tied;
      c.multimodal_projector_bias = bias;
      c.text_config.num_key_value_heads = 1;
      c.vision_config.num_channels = 4;
      c.vision_config.image_size = 18;  // 18 / 4: the remainder is dropped, 16 patches
      c.image_grid_pinpoints = {{18, 18}};
      EXPECT_EQ(vlsi::model::parameter_count(c), vlsi::model::create_family_model(c)->parameter_count()) << tied << bias;
    }
  }
}

TEST(ConfigLimits, EachSizeOverItsLimitIsRefusedNamingTheField) {
  auto refused = [](auto edit, const std::string& part) {
    VlmConfig c = tiny_for_limits();
    edit(c);
    expect_one_line_error([&] { c.validate("config.json"); }, part);
  };
  refused([](VlmConfig& c) { c.text_config.num_hidden_layers = 1000000000000; },
          "config.json: text_config: field 'num_hidden_layers' is 1000000000000, more than the limit of 1024");
  refused([](VlmConfig& c) { c.text_config.intermediate_size = int64_t(1) << 21; },
          "text_config: field 'intermediate_size' is 2097152, more than the limit of 1048576");
  refused([](VlmConfig& c) { c.text_config.vocab_size = 30000000; },
          "text_config: field 'vocab_size' is 30000000, more than the limit of 4194304; raise it with VLSI_MAX_VOCAB=N");
  refused([](VlmConfig& c) { c.text_config.max_position_embeddings = int64_t(1) << 40; },
          "field 'max_position_embeddings' is 1099511627776");
  refused([](VlmConfig& c) { c.vision_config.hidden_size = 1 << 20; },
          "vision_config: field 'hidden_size' is 1048576, more than the limit of 65536");
  refused(
      [](VlmConfig& c) {
        c.vision_config.image_size = 4096;
        c.vision_config.patch_size = 1;
      },
          "vision_config: image_size 4096 / patch_size 1 gives 16777216 patches per tile");
  refused([](VlmConfig& c) { c.image_grid_pinpoints = {{16, 1000000}}; },
          "image_grid_pinpoint [16, 1000000] has a side over the limit of 16384 pixels");
  // Every field within its ceiling, the total beyond the parameter limit (~800 B here).
  refused(
      [](VlmConfig& c) {
        c.text_config.num_hidden_layers = 1024;
        c.text_config.hidden_size = 16384;
        c.text_config.intermediate_size = 1 << 20;
        c.text_config.num_attention_heads = 128;
        c.text_config.num_key_value_heads = 8;
      },
      "config.json: the config describes");
}

TEST(ConfigLimits, EnvironmentRaisesTheAdjustableLimits) {
  VlmConfig c = tiny_for_limits();
  c.tie_word_embeddings = true;
  c.text_config.vocab_size = 5000000;
  expect_one_line_error([&] { c.validate("config.json"); }, "VLSI_MAX_VOCAB=N");
  ::setenv(vlsi::io::limits::kVocabSize.env, "8000000", 1);
  c.validate("config.json");
  ::setenv(vlsi::io::limits::kModelParameters.env, "1000", 1);
  expect_one_line_error([&] { c.validate("config.json"); },
                        "the config describes 320" /* 5M x 64, tied */);
  ::unsetenv(vlsi::io::limits::kModelParameters.env);
  ::unsetenv(vlsi::io::limits::kVocabSize.env);
}
