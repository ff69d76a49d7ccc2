#include "vlsi/data/template_chat.h"

#include "vlsi/io/error.h"

namespace vlsi::data {

nlohmann::ordered_json template_messages(const std::vector<text::ChatMessage>& messages,
                                         const std::string& placeholder) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& m : messages) {
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    size_t pos = 0;
    bool after_marker = false;
    while (true) {
      const size_t hit = m.content.find(placeholder, pos);
      std::string piece = m.content.substr(pos, hit == std::string::npos ? std::string::npos : hit - pos);
      if (after_marker && !piece.empty() && piece.front() == '\n') piece.erase(0, 1);
      if (hit != std::string::npos && !piece.empty() && piece.back() == '\n') piece.pop_back();
      if (!piece.empty()) items.push_back({{"type", "text"}, {"text", piece}});
      if (hit == std::string::npos) break;
      items.push_back({{"type", "image"}});
      pos = hit + placeholder.size();
      after_marker = true;
    }
    out.push_back({{"role", m.role}, {"content", items}});
  }
  return out;
}

TokenizedText tokenize_with_offsets(const text::Tokenizer& tok, const std::string& text, const std::string& where) {
  TokenizedText t;
  t.ids = tok.encode(text, true);
  size_t end = 0;
  for (int64_t id : t.ids) {
    end += tok.decode_bytes({id}).size();
    t.ends.push_back(end);
  }
  check(end == text.size() && tok.decode_bytes(t.ids) == text, where,
        ": the tokenizer does not decode its tokens back to the rendered chat (normalisation?), so answer "
        "spans cannot be mapped to tokens");
  return t;
}

std::vector<int64_t> span_labels(const TokenizedText& t, const std::vector<std::pair<size_t, size_t>>& spans,
                                 int64_t ignore) {
  std::vector<int64_t> labels(t.ids.size(), ignore);
  size_t begin = 0;
  for (size_t i = 0; i < t.ids.size(); begin = t.ends[i], ++i)
    for (const auto& [s, e] : spans)
      if (begin < e && t.ends[i] > s) {
        labels[i] = t.ids[i];
        break;
      }
  return labels;
}

void use_image_tokens_of(const model::VisionProcessor& processor, ChatFormat& format) {
  format.image_token = processor.image_token_string();
  format.with_images = !format.image_token.empty();  // a text-only model has none
  format.image_prefix = processor.image_prefix();
  format.image_suffix = processor.image_suffix();
}

ChatFormat chat_format_of(const model::ModelBundle& bundle) {
  ChatFormat f;
  f.chat_template = bundle.chat_template;
  f.template_variables = bundle.template_variables;
  if (bundle.processor) use_image_tokens_of(*bundle.processor, f);
  return f;
}

}  // namespace vlsi::data
