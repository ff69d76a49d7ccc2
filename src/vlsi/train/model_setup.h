#pragma once
// Building a model to train: from a model config file plus the tokenizer it
// will use (vocabulary size and token ids come from the tokenizer, so the two
// can never disagree), or from an existing model folder.
#include <string>

#include "vlsi/model/causal_vlm.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::train {

// Reads an HF-style config.json (or a model folder) of any registered family,
// fills the decoder's vocab_size (in text_config, or at the top level of a
// flat config) and the family's token-id fields (image token, ...) from `tok`,
// validates. Fails when the config names a smaller vocabulary than the
// tokenizer has, or the tokenizer lacks the family's image token.
model::VlmConfig config_for_tokenizer(const std::string& config_path, const text::Tokenizer& tok);

}  // namespace vlsi::train
