// libFuzzer target: the body of POST /v1/chat/completions, parsed by
// serve::parse_chat_request (its sources are compiled in; the rest of the
// serve concern needs inference and is not built here). The only answer to a
// bad body is an ApiError with a 4xx status whose error body is valid JSON;
// an accepted request must hold what the server relies on.
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_support.h"
#include "vlsi/data/record.h"
#include "vlsi/serve/api_error.h"
#include "vlsi/serve/chat_request.h"

namespace {

using vlsi::fuzz::require;

size_t placeholders_in(const std::string& text) {
  size_t n = 0;
  const std::string p = vlsi::data::kImagePlaceholder;
  for (size_t at = text.find(p); at != std::string::npos; at = text.find(p, at + 1)) ++n;
  return n;
}

void check_accepted(const vlsi::serve::ChatRequest& r, const vlsi::serve::RequestRules& rules) {
  require(!r.messages.empty() && r.messages.back().role == "user", "an accepted request ends with a user message");
  size_t placeholders = 0;
  for (const auto& m : r.messages) {
    require(m.role == "system" || m.role == "user" || m.role == "assistant", "roles are system, user or assistant");
    placeholders += placeholders_in(m.content);
  }
  require(placeholders == r.images.size(), "one image placeholder per image part");
  require(r.images.size() <= rules.max_images, "at most max_images images");
  for (const auto& img : r.images) {
    require(img.bytes.empty() != img.path.empty(), "an image has bytes or a path, not both");
    require(img.path.empty() || (rules.allow_image_files && img.path[0] == '/'), "paths only when allowed, absolute");
  }
  require(r.temperature >= 0 && r.temperature <= 2, "temperature in [0, 2]");
  require(r.top_p > 0 && r.top_p <= 1, "top_p in (0, 1]");
  require(!r.max_tokens || *r.max_tokens >= 1, "max_tokens >= 1");
  require(r.stop.size() <= 4, "at most 4 stop strings");
  for (const auto& s : r.stop) require(!s.empty(), "stop strings are not empty");
  require(r.stream || !r.include_usage, "include_usage only when streaming");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (bool allow_files : {false, true}) {
    vlsi::serve::RequestRules rules;
    rules.allow_image_files = allow_files;
    rules.max_images = 3;
    try {
      check_accepted(vlsi::serve::parse_chat_request(body, rules), rules);
    } catch (const vlsi::serve::ApiError& e) {
      require(e.status >= 400 && e.status < 500, "a refused body is a 4xx");
      require(e.what()[0] != '\0', "a refusal has a message");
      const auto j = nlohmann::json::parse(vlsi::serve::error_body(e), nullptr, false);
      require(!j.is_discarded() && j["error"]["message"].is_string(), "the error body is OpenAI's JSON shape");
    }
  }
  return 0;
}
