#pragma once
// ChatML as Qwen2 renders it:
//   <|im_start|>system\nYou are a helpful assistant.<|im_end|>\n
//   <|im_start|>user\n...<|im_end|>\n<|im_start|>assistant\n...<|im_end|>\n
// followed by "<|im_start|>assistant\n" when a generation prompt is asked for.
// The default system message is added (if enabled) only when the first
// message is not a system message, exactly like Qwen2's Jinja template.
//
// render_chat_segments() returns the same text cut into pieces flagged
// "assistant answer": an assistant's content plus its closing <|im_end|>.
// A data collator tokenises the pieces one by one and puts labels only on
// answer pieces. Pieces are cut right after "<|im_start|>assistant\n", so the
// prompt part tokenises exactly as the inference-time prompt does.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace vlsi::text {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant" (any non-empty role is rendered)
  std::string content;
};

struct ChatTemplateOptions {
  bool add_default_system = false;
  std::string default_system = "You are a helpful assistant.";
  bool add_generation_prompt = false;
  // With expand_images, the i-th image_placeholder (in rendering order) is
  // replaced by image_token_counts[i] copies of image_token (a model family's
  // processor decides each count); without, placeholders stay as written.
  bool expand_images = false;
  std::string image_placeholder = "<image>";
  std::string image_token = "<image>";
  std::vector<int64_t> image_token_counts;
  // Written around each image's run of tokens (Qwen2-VL: <|vision_start|> ... <|vision_end|>).
  std::string image_prefix, image_suffix;
};

struct ChatSegment {
  std::string text;
  bool is_assistant_answer = false;
};

std::vector<ChatSegment> render_chat_segments(const std::vector<ChatMessage>& messages, const ChatTemplateOptions& options);
std::string render_chat(const std::vector<ChatMessage>& messages, const ChatTemplateOptions& options);

// Replaces each `placeholder` in `text` with `prefix`, counts[next++] copies of
// `image_token` and `suffix`; fails when the counts run out.
std::string expand_image_placeholders(std::string_view text, std::string_view placeholder, std::string_view image_token,
                                      const std::vector<int64_t>& counts, size_t& next, std::string_view prefix = "",
                                      std::string_view suffix = "");

// Reads [{"role": "...", "content": "..."}, ...]; `where` names the source.
std::vector<ChatMessage> chat_messages_from_json(const nlohmann::json& j, const std::string& where);

}  // namespace vlsi::text
