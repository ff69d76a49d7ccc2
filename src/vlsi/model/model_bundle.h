#pragma once
// A model folder loaded once, with everything that belongs to it: the model
// (of whichever family config.json names), its tokenizer (checked to fit the
// model), its processor and its chat template. Commands and runs take a bundle instead of
// assembling the pieces themselves.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "vlsi/model/causal_vlm.h"
#include "vlsi/model/model_io.h"
#include "vlsi/model/vision_processor.h"
#include "vlsi/text/jinja/chat_template_renderer.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::model {

struct ModelBundle {
  std::string dir;
  std::string tokenizer_path;
  CausalVlm model{nullptr};
  std::shared_ptr<text::Tokenizer> tokenizer;
  std::shared_ptr<const VisionProcessor> processor;
  std::shared_ptr<const text::jinja::ChatTemplate> chat_template;  // null: the folder ships none
  nlohmann::json template_variables = nlohmann::json::object();   // special tokens the template may use
};

// The chat template a folder ships (chat_template.jinja, chat_template.json or
// tokenizer_config.json's "chat_template", as transformers looks), or null.
std::shared_ptr<const text::jinja::ChatTemplate> load_chat_template(const std::string& dir);
// bos_token, eos_token, pad_token, unk_token from the folder's tokenizer_config.json
// (what transformers passes to a chat template); empty without one.
nlohmann::json load_template_variables(const std::string& dir);

// `tokenizer_path` empty: DIR/tokenizer.json (which must exist).
ModelBundle load_bundle(const std::string& dir, const LoadOptions& options = {}, const std::string& tokenizer_path = "");

// Checks that a model and a tokenizer belong together (vocabulary and image
// token; `image_token` empty: the family's).
void check_tokenizer_matches(const VlmConfig& config, const text::Tokenizer& tok, const std::string& where,
                             const std::string& image_token = "");

}  // namespace vlsi::model
