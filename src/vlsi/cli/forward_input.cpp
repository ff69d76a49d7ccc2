#include "vlsi/cli/forward_input.h"

#include "vlsi/data/image.h"

#include "vlsi/data/record.h"
#include "vlsi/io/json_util.h"

namespace vlsi::cli {
namespace {

const char* const kContentForms =
    "a string or a list of {\"type\": \"image\"} / {\"type\": \"text\", \"text\": ...} items";

std::string content_of(const io::json& content, const std::string& where) {
  if (content.is_string()) return content.get<std::string>();
  check(content.is_array(), where, ": field 'content': expected ", kContentForms, ", got ", io::json_type_name(content));
  std::string out;
  for (size_t i = 0; i < content.size(); ++i) {
    const std::string w = where + ": content item " + std::to_string(i);
    const std::string type = io::get_field<std::string>(content[i], "type", w);
    check(type == "image" || type == "text", w, ": field 'type': expected \"image\" or \"text\", got \"", type, "\"");
    if (i > 0) out += "\n";
    out += type == "image" ? std::string(data::kImagePlaceholder) : io::get_field<std::string>(content[i], "text", w);
  }
  return out;
}

size_t image_markers(const std::vector<text::ChatMessage>& messages) {
  size_t n = 0;
  for (const auto& msg : messages) n += data::count_occurrences(msg.content, data::kImagePlaceholder);
  return n;
}

}  // namespace

std::vector<text::ChatMessage> read_chat_file(const std::string& path) {
  return chat_messages_of(io::read_json_file(path), path);
}

std::vector<text::ChatMessage> chat_messages_of(const io::json& j, const std::string& where) {
  check(j.is_array() && !j.empty(), where, ": expected a non-empty JSON array of {\"role\", \"content\"} messages, got ",
        j.is_array() ? "an empty array" : io::json_type_name(j));
  std::vector<text::ChatMessage> out;
  for (size_t k = 0; k < j.size(); ++k) {
    const std::string w = where + ": message " + std::to_string(k);
    const std::string role = io::get_field<std::string>(j[k], "role", w);
    check(role == "system" || role == "user" || role == "assistant", w,
          ": field 'role': expected \"system\", \"user\" or \"assistant\", got \"", role, "\"");
    check(j[k].contains("content"), w, ": missing field 'content'");
    out.push_back({role, content_of(j[k]["content"], w)});
  }
  return out;
}

std::vector<text::ChatMessage> prompt_messages(const std::string& prompt, size_t images) {
  std::string content = prompt;
  if (data::count_occurrences(prompt, data::kImagePlaceholder) == 0) {
    std::string markers;
    for (size_t i = 0; i < images; ++i) markers += std::string(data::kImagePlaceholder) + "\n";
    content = markers + prompt;
  }
  return {{"user", content}};
}

void check_image_count(const std::vector<text::ChatMessage>& messages, size_t images) {
  const size_t markers = image_markers(messages);
  check(markers == images, "--image: ", images, " image(s) given but the chat has ", markers, " \"",
        data::kImagePlaceholder, "\" marker(s)");
}

ForwardInput encode_forward_input(const ChatModel& m, const std::vector<text::ChatMessage>& messages,
                                  const std::vector<std::string>& images, bool generation_prompt) {
  check_image_count(messages, images.size());
  ForwardInput in;
  std::vector<data::Image> decoded;
  std::vector<std::array<int64_t, 2>> sizes;
  for (const auto& path : images) {
    decoded.push_back(data::load_image(path));
    sizes.push_back({decoded.back().height, decoded.back().width});
  }
  // The ids generate and training see: each marker expanded as the processor counts it.
  in.ids = m.encoder().encode_chat(messages, generation_prompt, m.processor().image_token_counts(sizes));
  in.prompt = m.encoder().render_text(messages, generation_prompt);
  in.images = m.processor().process(decoded);
  return in;
}

}  // namespace vlsi::cli
