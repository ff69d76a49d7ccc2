#include "vlsi/serve/chat_server.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <mutex>
#include <random>

#include "vlsi/io/error.h"
#include "vlsi/serve/api_error.h"
#include "vlsi/serve/batch_scheduler.h"
#include "vlsi/serve/chat_page.h"
#include "vlsi/serve/chat_prompt.h"
#include "vlsi/serve/chat_request.h"
#include "vlsi/serve/completion_json.h"
#include "vlsi/serve/layer_answers.h"

namespace vlsi::serve {

void ServerLimits::validate() const {
  check(max_body_bytes >= 1024, "serve: --max-body-bytes must be at least 1024, got ", max_body_bytes);
  check(max_prompt_tokens >= 0, "serve: --max-prompt-tokens must be >= 0, got ", max_prompt_tokens);
  check(max_tokens >= 1, "serve: --max-tokens must be >= 1, got ", max_tokens);
  for (auto [flag, v] : {std::pair{"--request-timeout", request_timeout_s}, std::pair{"--read-timeout", read_timeout_s},
                         std::pair{"--body-timeout", body_timeout_s}})
    check(v > 0 && v <= 86400, "serve: ", flag, " must be in (0, 86400] seconds, got ", v);
  check(max_batch >= 1 && max_batch <= 1024, "serve: --max-batch must be in 1..1024, got ", max_batch);
  check(max_waiting >= 0 && max_waiting <= 4096, "serve: --max-waiting must be in 0..4096, got ", max_waiting);
  check(max_images <= 64, "serve: --max-images must be <= 64, got ", max_images);
}

namespace {

using Clock = std::chrono::steady_clock;

struct Served {
  ServedModel model;
  std::unique_ptr<BatchScheduler> scheduler;
  int64_t context = 0;            // max_position_embeddings
  int64_t max_prompt_tokens = 0;  // the limit in force for this model
};

void send_error(httplib::Response& res, const ApiError& e) {
  res.status = e.status;
  res.set_content(error_body(e), "application/json");
}

std::chrono::microseconds seconds(double s) { return std::chrono::microseconds(int64_t(s * 1e6)); }

// The body, read here rather than by httplib so that its total time is
// bounded too (a client dripping one byte per read timeout holds a thread).
std::string read_body(httplib::Response& res, const httplib::ContentReader& reader, const ServerLimits& limits) {
  const auto deadline = Clock::now() + seconds(limits.body_timeout_s);
  std::string body;
  bool too_big = false, too_slow = false;
  const bool ok = reader([&](const char* data, size_t length) {
    if (body.size() + length > limits.max_body_bytes) return !(too_big = true);
    if (Clock::now() > deadline) return !(too_slow = true);
    body.append(data, length);
    return true;
  });
  if (too_big || res.status == 413)
    throw ApiError(413, "the request body is larger than the server's limit of " +
                            std::to_string(limits.max_body_bytes) + " bytes", "", "request_too_large");
  if (too_slow) throw ApiError(408, "the request body took longer than the server's body timeout", "", "request_timeout");
  if (!ok) throw ApiError(400, "the request body could not be read (cut short or too slow)", "", "incomplete_body");
  return body;
}

}  // namespace

struct ChatServer::Impl {
  Impl(std::vector<ServedModel> models, ServerLimits l) : limits(std::move(l)) {
    limits.validate();
    check(!models.empty(), "serve: no model to serve");
    for (auto& m : models) {
      for (const auto& s : served)
        check(s.model.id != m.id, "serve: two models share the id '", m.id, "' (set --model-id or --teacher-id)");
      Served s;
      s.context = m.model->config().text_config.max_position_embeddings;
      check(s.context >= 2, "serve: model '", m.id, "' has a context of ", s.context, " positions");
      s.max_prompt_tokens = limits.max_prompt_tokens > 0 ? std::min(limits.max_prompt_tokens, s.context - 1)
                                                         : s.context - 1;
      SchedulerOptions so;
      so.max_batch = limits.max_batch;
      so.max_waiting = limits.max_waiting;
      so.pad_id = m.pad_id;
      so.stop_ids = m.stop_ids;
      so.tokenizer = &m.encoder->tokenizer();
      s.scheduler = std::make_unique<BatchScheduler>(m.model, so);
      s.model = std::move(m);
      served.push_back(std::move(s));
    }
    routes();
  }

  void routes();
  void chat_completions(httplib::Response& res, const httplib::ContentReader& reader);
  void layers(httplib::Response& res, const httplib::ContentReader& reader);
  ChatRequest parse_request(const std::string& body) const;
  int64_t asked_max_tokens(const ChatRequest& r, int64_t fallback) const;
  ChatPrompt build_prompt(const ChatRequest& r, const Served& s);
  Served& find_model(const std::string& id);
  DecodeJob make_job(const ChatRequest& r, const Served& s, ChatPrompt prompt);
  void answer_whole(httplib::Response& res, JobProgress& progress, const CompletionHeader& h, int64_t prompt_tokens);
  void answer_streamed(httplib::Response& res, std::shared_ptr<JobProgress> progress, const CompletionHeader& h,
                       int64_t prompt_tokens, bool include_usage);

  ServerLimits limits;
  std::vector<Served> served;
  std::mutex image_decoding;
  std::mutex layer_decoding;  // one layer request at a time (t + 1 decodes per model each)
  httplib::Server http;
};

Served& ChatServer::Impl::find_model(const std::string& id) {
  for (auto& s : served)
    if (s.model.id == id) return s;
  throw ApiError(404, "the model '" + id.substr(0, 128) + "' does not exist; GET /v1/models lists the served ones",
                 "model", "model_not_found");
}

DecodeJob ChatServer::Impl::make_job(const ChatRequest& r, const Served& s, ChatPrompt prompt) {
  DecodeJob job;
  const int64_t asked = r.max_tokens.value_or(limits.max_tokens);  // checked against the cap already
  // As generate(): the answer stops at the model's context.
  job.max_tokens = std::min(asked, s.context - int64_t(prompt.ids.size()));
  job.prompt = std::move(prompt.ids);
  job.images = std::move(prompt.images);
  job.sampling.temperature = r.temperature;
  job.sampling.top_p = r.top_p;
  job.sampling.seed = r.seed ? *r.seed : std::random_device{}();
  try {
    job.sampling.validate();
  } catch (const Error& e) {
    reject("temperature", e.what());
  }
  job.stop_strings = r.stop;
  job.deadline = Clock::now() + seconds(limits.request_timeout_s);
  return job;
}

// Every route's refusals as OpenAI-shaped errors.
template <typename Handler>
void answer_or_refuse(httplib::Response& res, Handler&& handler) {
  try {
    handler();
  } catch (const ApiError& e) {
    send_error(res, e);
  } catch (const Error& e) {  // a library check the request tripped (its text names the problem)
    send_error(res, ApiError(400, e.what()));
  } catch (const std::exception& e) {
    send_error(res, ApiError(500, std::string("internal error: ") + e.what()));
  }
}

ChatRequest ChatServer::Impl::parse_request(const std::string& body) const {
  RequestRules rules;
  rules.allow_image_files = !limits.image_dir.empty();
  rules.max_images = limits.max_images;
  return parse_chat_request(body, rules);
}

int64_t ChatServer::Impl::asked_max_tokens(const ChatRequest& r, int64_t fallback) const {
  if (r.max_tokens && *r.max_tokens > limits.max_tokens)
    reject("max_tokens", "max_tokens: at most " + std::to_string(limits.max_tokens) + " on this server, got " +
                             std::to_string(*r.max_tokens));
  return r.max_tokens.value_or(std::min(fallback, limits.max_tokens));
}

ChatPrompt ChatServer::Impl::build_prompt(const ChatRequest& r, const Served& s) {
  PromptRules pr;
  pr.max_prompt_tokens = s.max_prompt_tokens;
  pr.image_dir = limits.image_dir;
  // Decoded pixels cost width x height x 3 bytes before the prompt's length
  // is known: one request decodes at a time, so every handler thread
  // holding --max-images maximal images cannot add up to tens of GB.
  std::unique_lock<std::mutex> one_at_a_time(image_decoding, std::defer_lock);
  if (!r.images.empty()) one_at_a_time.lock();
  return build_chat_prompt(r, *s.model.encoder, *s.model.processor, pr);
}

void ChatServer::Impl::chat_completions(httplib::Response& res, const httplib::ContentReader& reader) {
  answer_or_refuse(res, [&] {
    const ChatRequest r = parse_request(read_body(res, reader, limits));
    Served& s = find_model(r.model);
    asked_max_tokens(r, limits.max_tokens);  // checked against the cap before the prompt is built
    ChatPrompt prompt = build_prompt(r, s);
    const int64_t prompt_tokens = int64_t(prompt.ids.size());
    auto progress = s.scheduler->submit(make_job(r, s, std::move(prompt)));
    const CompletionHeader h{new_completion_id(), int64_t(std::time(nullptr)), s.model.id};
    if (r.stream) answer_streamed(res, progress, h, prompt_tokens, r.include_usage);
    else answer_whole(res, *progress, h, prompt_tokens);
  });
}

// Every served model (the student, then the teacher), each through its own
// chat format; "model" must name one of them. The pairing is the first
// served folder's that carries one (the student's).
void ChatServer::Impl::layers(httplib::Response& res, const httplib::ContentReader& reader) {
  answer_or_refuse(res, [&] {
    const std::string body = read_body(res, reader, limits);
    const ChatRequest r = parse_request(body);
    check_layer_request(r, body);
    find_model(r.model);
    const int64_t asked = asked_max_tokens(r, kLayerDefaultMaxTokens);
    std::lock_guard<std::mutex> one_at_a_time(layer_decoding);
    nlohmann::json models = nlohmann::json::array(), pairing;
    for (const Served& s : served) {
      ChatPrompt prompt = build_prompt(r, s);
      const int64_t room = s.context - int64_t(prompt.ids.size());  // as generate(): stop at the context
      models.push_back(layer_answers(s.model, prompt, std::min(asked, room)));
      if (pairing.is_null()) pairing = s.model.pairing;
    }
    const nlohmann::json answer = {{"object", "vlsi.layers"}, {"models", models}, {"pairing", pairing}};
    res.set_content(answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
  });
}

void ChatServer::Impl::answer_whole(httplib::Response& res, JobProgress& progress, const CompletionHeader& h,
                                    int64_t prompt_tokens) {
  std::string text;
  for (;;) {
    JobProgress::Update u = progress.wait(std::chrono::milliseconds(1000));
    text += u.text;
    if (!u.finished) continue;
    if (u.error) throw *u.error;
    res.set_content(completion_body(h, text, u.finish_reason, {prompt_tokens, u.completion_tokens}),
                    "application/json");
    return;
  }
}

void ChatServer::Impl::answer_streamed(httplib::Response& res, std::shared_ptr<JobProgress> progress,
                                       const CompletionHeader& h, int64_t prompt_tokens, bool include_usage) {
  res.set_header("Cache-Control", "no-cache");
  auto started = std::make_shared<bool>(false);
  res.set_chunked_content_provider(
      "text/event-stream",
      [progress, h, prompt_tokens, include_usage, started](size_t, httplib::DataSink& sink) {
        auto send = [&](const std::string& event) {
          if (sink.write(event.data(), event.size())) return true;
          progress->cancel();  // the client is gone: free its row
          return false;
        };
        if (!*started) {
          *started = true;
          if (!send(role_chunk_event(h))) return false;
        }
        JobProgress::Update u = progress->wait(std::chrono::milliseconds(500));
        if (!u.text.empty() && !send(text_chunk_event(h, u.text))) return false;
        if (!u.finished) {
          if (sink.is_writable()) return true;
          progress->cancel();
          return false;
        }
        if (u.error) {
          if (!send(error_event(error_body(*u.error)))) return false;
        } else {
          if (!send(finish_chunk_event(h, u.finish_reason))) return false;
          if (include_usage && !send(usage_chunk_event(h, {prompt_tokens, u.completion_tokens}))) return false;
        }
        if (!send(done_event())) return false;
        sink.done();
        return true;
      },
      [progress](bool) { progress->cancel(); });  // ended either way: a running job stops
}

void ChatServer::Impl::routes() {
  http.Post("/v1/chat/completions", [this](const httplib::Request&, httplib::Response& res,
                                           const httplib::ContentReader& reader) { chat_completions(res, reader); });
  http.Post("/v1/vlsi/layers", [this](const httplib::Request&, httplib::Response& res,
                                      const httplib::ContentReader& reader) { layers(res, reader); });
  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(chat_page_html(), "text/html; charset=utf-8");
  });
  http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json data = nlohmann::json::array();
    for (const auto& s : served)
      data.push_back({{"id", s.model.id}, {"object", "model"}, {"created", 0}, {"owned_by", "vlsi"}});
    res.set_content(nlohmann::json{{"object", "list"}, {"data", data}}.dump(), "application/json");
  });
  http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json models = nlohmann::json::array();
    for (const auto& s : served)
      models.push_back({{"id", s.model.id},
                        {"running", s.scheduler->running()},
                        {"decode_steps", s.scheduler->decode_steps()},
                        {"rows_decoded", s.scheduler->rows_decoded()}});
    res.set_content(nlohmann::json{{"status", "ok"}, {"models", models}}.dump(), "application/json");
  });
  // A known path asked with the wrong method: 405, not httplib's 404.
  auto not_allowed = [](const char* allowed) {
    return [allowed](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Allow", allowed);
      send_error(res, ApiError(405, req.method + " is not allowed on " + req.path + "; use " + allowed, "",
                               "method_not_allowed"));
    };
  };
  for (const char* path : {"/v1/chat/completions", "/v1/vlsi/layers"}) {
    http.Get(path, not_allowed("POST"));
    http.Put(path, not_allowed("POST"));
    http.Delete(path, not_allowed("POST"));
  }
  for (const char* path : {"/v1/models", "/health", "/"}) {
    http.Post(path, not_allowed("GET"));
    http.Put(path, not_allowed("GET"));
    http.Delete(path, not_allowed("GET"));
  }
  // httplib's own refusals (unknown path, oversized body, unreadable request) get OpenAI's error shape too.
  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string message = res.status == 404 ? "no route " + req.method + " " + req.path.substr(0, 128)
                                : res.status == 413 ? "the request body is larger than the server's limit"
                                                    : "the request could not be handled";
    res.set_content(error_body(res.status, message), "application/json");
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    send_error(res, ApiError(500, "internal error"));
  });
  http.set_payload_max_length(limits.max_body_bytes);
  http.set_read_timeout(seconds(limits.read_timeout_s));
  http.set_write_timeout(seconds(limits.read_timeout_s));
  // One handler thread per request that may be running or queued, and a few for /health & co.
  const size_t threads = size_t(limits.max_batch + limits.max_waiting) * served.size() + 8;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
}

ChatServer::ChatServer(std::vector<ServedModel> models, ServerLimits limits)
    : impl_(std::make_unique<Impl>(std::move(models), std::move(limits))) {}

ChatServer::~ChatServer() { stop(); }

int ChatServer::bind(const std::string& host, int port) {
  if (port == 0) {
    const int bound = impl_->http.bind_to_any_port(host);
    check(bound > 0, "serve: cannot listen on ", host, " (any port)");
    return bound;
  }
  check(impl_->http.bind_to_port(host, port), "serve: cannot listen on ", host, ":", port,
        " (in use, or not an address of this machine)");
  return port;
}

void ChatServer::listen() { impl_->http.listen_after_bind(); }

void ChatServer::stop() {
  impl_->http.stop();  // no new connections
  // Running and queued requests end now with a 503 instead of holding the exit.
  for (auto& s : impl_->served) s.scheduler->stop();
}

}  // namespace vlsi::serve
