#pragma once
// What encoding through a model folder's own chat template needs: our turns
// as the message list transformers' processors take (content as a list of
// {"type": "image"} / {"type": "text"} items), and token ids with the byte
// range each covers, so {% generation %} spans become labels as transformers'
// return_assistant_tokens_mask makes them.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "vlsi/data/collate.h"
#include "vlsi/model/model_bundle.h"
#include "vlsi/text/chat_template.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::data {

// "<image>\nWhat is it?" -> [{"type": "image"}, {"type": "text", "text": "What is it?"}]:
// each `placeholder` an image item; the text between them (less one newline
// next to a marker, as a LLaVA prompt writes it) a text item when not empty.
nlohmann::ordered_json template_messages(const std::vector<text::ChatMessage>& messages, const std::string& placeholder);

struct TokenizedText {
  std::vector<int64_t> ids;
  std::vector<size_t> ends;  // byte offset in the text where token i ends (token i starts at ends[i - 1] or 0)
};
// Tokenises `text` whole and recovers each token's bytes by decoding; fails
// (one line naming `where`) if the tokens do not decode back to the text.
TokenizedText tokenize_with_offsets(const text::Tokenizer& tok, const std::string& text, const std::string& where);

// The family's image token and what surrounds it, from its processor.
void use_image_tokens_of(const model::VisionProcessor& processor, ChatFormat& format);

// How a loaded folder's chats are encoded: its chat template (and the special
// tokens it may use) when it ships one, else the built-in ChatML.
ChatFormat chat_format_of(const model::ModelBundle& bundle);

// Labels for `t`: a token's own id when its bytes overlap a span, else `ignore`.
std::vector<int64_t> span_labels(const TokenizedText& t, const std::vector<std::pair<size_t, size_t>>& spans,
                                 int64_t ignore);

}  // namespace vlsi::data
