#pragma once
// Building a model to train: from a model config file plus the tokenizer it
// will use (vocabulary size and image token id come from the tokenizer, so the
// two can never disagree), or from an existing model folder.
#include <string>

#include "vlsi/model/vlm.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::train {

// Reads an HF-style config.json (or a model folder), fills text_config.vocab_size
// and image_token_index from `tok` (image token string `image_token`), validates.
// Fails when the config names a different vocabulary size than the tokenizer has.
model::VlmConfig config_for_tokenizer(const std::string& config_path, const text::Tokenizer& tok,
                                      const std::string& image_token = "<image>");

// Checks that a model and a tokenizer belong together (vocabulary and image token).
void check_tokenizer_matches(const model::VlmConfig& config, const text::Tokenizer& tok, const std::string& where,
                             const std::string& image_token = "<image>");

}  // namespace vlsi::train

#include "vlsi/data/image.h"
#include "vlsi/model/preprocessor_config.h"

namespace vlsi::train {
// The data pipeline's image transform for a model's image processor.
data::ImageTransform image_transform_for(const model::ImageProcessorConfig& p);
}  // namespace vlsi::train
