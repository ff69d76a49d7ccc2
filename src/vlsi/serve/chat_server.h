#pragma once
// The OpenAI-compatible HTTP server (cpp-httplib): POST /v1/chat/completions
// (plain or streamed as server-sent events), GET /v1/models, GET /health,
// and for people: GET / (the page, chat_page.h) and POST /v1/vlsi/layers
// (each verbalized layer's answer, layer_answers.h).
// Each served model has its own BatchScheduler thread; HTTP handler threads
// parse and check requests, build prompts, and wait on their job's progress.
// Limits guard every resource a client controls, and every refusal is an
// OpenAI-shaped JSON error (api_error.h); a bad request never stops the server.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vlsi/serve/served_model.h"

namespace vlsi::serve {

struct ServerLimits {
  size_t max_body_bytes = size_t(32) << 20;
  int64_t max_prompt_tokens = 0;    // 0: the model's context (max_position_embeddings) - 1
  int64_t max_tokens = 1024;        // the largest max_tokens a request may ask, and the default
  double request_timeout_s = 300;   // from the body's arrival to the last token
  double read_timeout_s = 10;       // one read from the socket (a stalled client)
  double body_timeout_s = 30;       // the whole body (a client that drips it)
  int64_t max_batch = 32;           // requests decoded together per model
  int64_t max_waiting = 32;         // queued beyond a full batch; more get 429
  size_t max_images = 8;            // image parts per request
  std::string image_dir;            // file:// images allowed inside it ("" = none)
  void validate() const;            // one-line error naming the flag
};

class ChatServer {
 public:
  // models[0] is the default model; every one gets its own scheduler thread.
  ChatServer(std::vector<ServedModel> models, ServerLimits limits);
  ~ChatServer();

  // Binds the listening socket; port 0 picks a free one. Returns the port.
  int bind(const std::string& host, int port);
  // Serves until stop() (from another thread or a signal watcher).
  void listen();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vlsi::serve
