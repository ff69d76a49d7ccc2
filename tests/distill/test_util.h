#pragma once
// Shared helpers of the distill tests: temp folders, a small stand-alone output
// head (RMSNorm + linear, mirrored by divergence_reference.py), a tiny VLM config.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

#include "../support/temp_dir.h"
#include "vlsi/distill/verbalizer.h"
#include "vlsi/io/error.h"
#include "vlsi/model/config.h"

namespace vlsi::distill::distill_support {

// A per-test empty folder under the temp directory, removed at exit.
inline std::string temp_dir(const std::string& tag = "") {
  return vlsi::test_dirs::scratch_dir("vlsi_distill_", tag);
}

// final_norm(h) = h / sqrt(mean(h^2) + 1e-6) * norm_weight; lm_head(x) = x @ head_weight^T.
inline OutputHead simple_head(const torch::Tensor& norm_weight, const torch::Tensor& head_weight) {
  OutputHead head;
  head.final_norm = [norm_weight](const torch::Tensor& h) {
    return h * torch::rsqrt(h.pow(2).mean(-1, /*keepdim=*/true) + 1e-6) * norm_weight;
  };
  head.lm_head = [head_weight](const torch::Tensor& x) { return torch::linear(x, head_weight); };
  head.parameters = {norm_weight, head_weight};
  return head;
}

// Text-only tiny VLM: 4 decoder layers of width 64, vocab 96 (vision tower as small as allowed).
inline model::VlmConfig tiny_vlm_config() {
  model::VlmConfig c;
  c.vision_config.hidden_size = 32;
  c.vision_config.intermediate_size = 48;
  c.vision_config.num_hidden_layers = 1;
  c.vision_config.num_attention_heads = 4;
  c.vision_config.image_size = 16;
  c.vision_config.patch_size = 4;
  c.text_config.vocab_size = 96;
  c.text_config.hidden_size = 64;
  c.text_config.intermediate_size = 96;
  c.text_config.num_hidden_layers = 4;
  c.text_config.num_attention_heads = 4;
  c.text_config.num_key_value_heads = 2;
  c.text_config.max_position_embeddings = 128;
  c.image_token_index = 95;
  return c;
}

// The message of the vlsi::Error that `f` throws, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Whether a vlsi::Error message is one line containing `part`.
inline ::testing::AssertionResult one_line_error_with(const std::string& message, const std::string& part) {
  if (message.find('\n') != std::string::npos) return ::testing::AssertionFailure() << "multi-line: " << message;
  if (message.find(part) == std::string::npos)
    return ::testing::AssertionFailure() << "'" << part << "' not in: " << message;
  return ::testing::AssertionSuccess();
}

}  // namespace vlsi::distill::distill_support
