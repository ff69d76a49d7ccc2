#pragma once
// A model folder loaded once, with everything that belongs to it: the model
// (of whichever family config.json names), its tokenizer (checked to fit the
// model) and its processor. Commands and runs take a bundle instead of
// assembling the pieces themselves.
#include <memory>
#include <string>

#include "vlsi/model/causal_vlm.h"
#include "vlsi/model/model_io.h"
#include "vlsi/model/vision_processor.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::model {

struct ModelBundle {
  std::string dir;
  std::string tokenizer_path;
  CausalVlm model{nullptr};
  std::shared_ptr<text::Tokenizer> tokenizer;
  std::shared_ptr<const VisionProcessor> processor;
};

// `tokenizer_path` empty: DIR/tokenizer.json (which must exist).
ModelBundle load_bundle(const std::string& dir, const LoadOptions& options = {}, const std::string& tokenizer_path = "");

// Checks that a model and a tokenizer belong together (vocabulary and image token).
void check_tokenizer_matches(const VlmConfig& config, const text::Tokenizer& tok, const std::string& where,
                             const std::string& image_token = "<image>");

}  // namespace vlsi::model
