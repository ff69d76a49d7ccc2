#pragma once
// The body of POST /v1/chat/completions -> a checked ChatRequest. Pure: no
// file or model is touched, so the fuzzer (fuzz/fuzz_chat_request.cpp) runs
// it on any bytes. Every problem is an ApiError (400) naming the field in
// OpenAI's notation ("messages[1].content[0].image_url.url") and what was
// expected. Fields OpenAI defines that have no effect here are accepted when
// they ask for nothing we would ignore (frequency_penalty 0, user, ...);
// unknown fields and n > 1 are refused.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vlsi/text/chat_template.h"

namespace vlsi::serve {

// Where an image part's pixels come from: the bytes of a data: URL, or a
// local file (only when the server allows a folder; checked when the prompt is built).
struct ImageSource {
  std::string bytes;     // PNG/JPEG bytes from a base64 data: URL
  std::string path;      // a file path (file:// URL); empty for data URLs
  std::string param;     // the field it came from, for later errors
};

struct ChatRequest {
  std::string model;
  // Roles "system", "user", "assistant"; each image part is one
  // kImagePlaceholder in the content, in the order of `images`.
  std::vector<text::ChatMessage> messages;
  std::vector<ImageSource> images;
  std::optional<int64_t> max_tokens;   // max_tokens or max_completion_tokens
  double temperature = 1.0;            // OpenAI's default
  double top_p = 1.0;
  std::optional<uint64_t> seed;        // none: a fresh seed per request
  std::vector<std::string> stop;       // at most 4
  bool stream = false;
  bool include_usage = false;          // stream_options.include_usage
};

struct RequestRules {
  bool allow_image_files = false;  // file:// URLs (the server then checks the folder)
  size_t max_images = 8;           // image parts per request
};

ChatRequest parse_chat_request(std::string_view body, const RequestRules& rules);

}  // namespace vlsi::serve
