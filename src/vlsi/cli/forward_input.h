#pragma once
// What vlsi forward feeds the model: a chat, from --prompt or a --chat file,
// rendered with the model's chat format and tokenised as ChatModel::encode
// does, plus its images through the model's image processor.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/cli/chat_model.h"
#include "vlsi/text/chat_template.h"

namespace vlsi::cli {

// Reads a chat file: a JSON array of {"role": "system"|"user"|"assistant", "content": ...}
// where content is a string in which "<image>" marks an image (LLaVA data), or
// a list of {"type": "image"} and {"type": "text", "text": ...} items (OpenAI
// style; items joined with "\n", an image item becoming "<image>").
std::vector<text::ChatMessage> read_chat_file(const std::string& path);
// The same from parsed JSON; `where` names its source.
std::vector<text::ChatMessage> chat_messages_of(const nlohmann::json& messages, const std::string& where);

// The one user message of --prompt. Without a "<image>" marker of its own the
// prompt gets one "<image>\n" per image in front, as vlsi generate does.
std::vector<text::ChatMessage> prompt_messages(const std::string& prompt, size_t images);

// Fails (one line) unless the messages hold exactly `images` "<image>" markers.
void check_image_count(const std::vector<text::ChatMessage>& messages, size_t images);

struct ForwardInput {
  std::vector<int64_t> ids;    // image markers expanded to the model's image tokens
  model::VisionInputs images;  // through the model's processor, as one sample
  std::string prompt;          // the rendered chat with one "<image>" per image, as a transformers processor takes it
};

// Renders `messages` (ending with the assistant generation prompt when
// `generation_prompt`), tokenises them and loads `images` in order.
ForwardInput encode_forward_input(const ChatModel& m, const std::vector<text::ChatMessage>& messages,
                                  const std::vector<std::string>& images, bool generation_prompt);

}  // namespace vlsi::cli
