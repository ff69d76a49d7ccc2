#pragma once
// The bodies OpenAI's chat completions API answers with: one
// "chat.completion" object, or with stream: true server-sent events, each
// "data: <chat.completion.chunk>\n\n", ending with "data: [DONE]\n\n".
#include <cstdint>
#include <string>

namespace vlsi::serve {

// What every chunk and the full answer of one request share.
struct CompletionHeader {
  std::string id;     // "chatcmpl-..."
  int64_t created = 0;  // Unix seconds
  std::string model;
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

// finish_reason: "stop" or "length".
std::string completion_body(const CompletionHeader& h, const std::string& text, const std::string& finish_reason,
                            const Usage& usage);

// One SSE event carrying a delta: the first chunk carries the role, later
// ones text; the last one an empty delta and the finish reason.
std::string role_chunk_event(const CompletionHeader& h);
std::string text_chunk_event(const CompletionHeader& h, const std::string& text);
std::string finish_chunk_event(const CompletionHeader& h, const std::string& finish_reason);
// The usage chunk (stream_options.include_usage): no choices, the usage.
std::string usage_chunk_event(const CompletionHeader& h, const Usage& usage);
// An error after the stream began (the status line is already sent).
std::string error_event(const std::string& error_body);
inline const char* done_event() { return "data: [DONE]\n\n"; }

// A fresh "chatcmpl-" id (random, 24 hex digits).
std::string new_completion_id();

}  // namespace vlsi::serve
