#include "vlsi/text/chat_template.h"

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"

namespace vlsi::text {

namespace {

const char* kStart = "<|im_start|>";
const char* kEnd = "<|im_end|>";

// Appends to the last segment when it has the same flag, so consecutive
// prompt text stays one piece.
void emit(std::vector<ChatSegment>& out, std::string text, bool answer) {
  if (text.empty()) return;
  if (!out.empty() && out.back().is_assistant_answer == answer) out.back().text += text;
  else out.push_back({std::move(text), answer});
}

}  // namespace

std::string expand_image_placeholders(std::string_view text, std::string_view placeholder, std::string_view image_token,
                                      const std::vector<int64_t>& counts, size_t& next, std::string_view prefix,
                                      std::string_view suffix) {
  check(!placeholder.empty(), "chat template: image placeholder must not be empty");
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t hit = text.find(placeholder, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    check(next < counts.size(), "chat template: more image placeholders than the ", counts.size(),
          " image token count(s) given");
    const int64_t count = counts[next++];
    check(count >= 0, "chat template: image token count must be >= 0, got ", count);
    out.append(prefix);
    for (int64_t k = 0; k < count; ++k) out.append(image_token);
    out.append(suffix);
    pos = hit + placeholder.size();
  }
  out.append(text.substr(pos));
  return out;
}

std::vector<ChatSegment> render_chat_segments(const std::vector<ChatMessage>& messages, const ChatTemplateOptions& options) {
  std::vector<ChatSegment> out;
  size_t next_image = 0;
  auto content_of = [&](const ChatMessage& m) {
    if (!options.expand_images) return m.content;
    return expand_image_placeholders(m.content, options.image_placeholder, options.image_token,
                                     options.image_token_counts, next_image, options.image_prefix, options.image_suffix);
  };
  if (options.add_default_system && !messages.empty() && messages[0].role != "system")
    emit(out, std::string(kStart) + "system\n" + options.default_system + kEnd + "\n", false);
  for (size_t k = 0; k < messages.size(); ++k) {
    const ChatMessage& m = messages[k];
    check(!m.role.empty(), "chat template: message ", k, " has an empty role");
    emit(out, std::string(kStart) + m.role + "\n", false);
    if (m.role == "assistant") {
      emit(out, content_of(m) + kEnd, true);
      emit(out, "\n", false);
    } else {
      emit(out, content_of(m) + kEnd + "\n", false);
    }
  }
  if (options.add_generation_prompt) emit(out, std::string(kStart) + "assistant\n", false);
  return out;
}

std::string render_chat(const std::vector<ChatMessage>& messages, const ChatTemplateOptions& options) {
  std::string out;
  for (const auto& s : render_chat_segments(messages, options)) out += s.text;
  return out;
}

std::vector<ChatMessage> chat_messages_from_json(const nlohmann::json& j, const std::string& where) {
  check(j.is_array(), where, ": expected an array of messages, got ", io::json_type_name(j));
  std::vector<ChatMessage> out;
  for (size_t k = 0; k < j.size(); ++k) {
    const std::string w = where + ": message " + std::to_string(k);
    out.push_back({io::get_field<std::string>(j[k], "role", w), io::get_field<std::string>(j[k], "content", w)});
  }
  return out;
}

}  // namespace vlsi::text
