#pragma once
// A parsed chat request -> the served model's prompt: images decoded (under
// the pixel limit, io::limits::kImagePixels, checked from the header before
// any pixel is allocated), the conversation encoded with the model's chat
// format exactly as `vlsi generate`/`vlsi chat` encode it, and the length
// checked against the prompt limit. Problems are ApiErrors naming the field.
#include <cstdint>
#include <string>
#include <vector>

#include "vlsi/data/collate.h"
#include "vlsi/model/vision_inputs.h"
#include "vlsi/model/vision_processor.h"
#include "vlsi/serve/chat_request.h"

namespace vlsi::serve {

struct PromptRules {
  int64_t max_prompt_tokens = 0;  // > 0; the caller bounds it by the model's context
  std::string image_dir;          // file:// images must resolve inside it ("" = none allowed)
};

struct ChatPrompt {
  std::vector<int64_t> ids;
  model::VisionInputs images;
};

ChatPrompt build_chat_prompt(const ChatRequest& request, const data::SampleEncoder& encoder,
                             const model::VisionProcessor& processor, const PromptRules& rules);

// Bytes of text a prompt of `max_tokens` tokens may plausibly hold: longer
// text is refused before the tokenizer spends time on it.
inline size_t plausible_prompt_bytes(int64_t max_tokens) { return size_t(max_tokens) * 32 + 4096; }

}  // namespace vlsi::serve
