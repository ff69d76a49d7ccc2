#pragma once
// Building a model to train: from a model config file plus the tokenizer it
// will use (vocabulary size and image token id come from the tokenizer, so the
// two can never disagree), or from an existing model folder.
#include <string>

#include "vlsi/model/causal_vlm.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::train {

// Reads an HF-style config.json (or a model folder), fills text_config.vocab_size
// and image_token_index from `tok` (image token string `image_token`), validates.
// Fails when the config names a different vocabulary size than the tokenizer has.
model::VlmConfig config_for_tokenizer(const std::string& config_path, const text::Tokenizer& tok,
                                      const std::string& image_token = "<image>");

}  // namespace vlsi::train
