#include "vlsi/serve/completion_json.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <random>

namespace vlsi::serve {
namespace {

using json = nlohmann::json;

// Generated text is valid UTF-8 (infer::TextStream), but a dump must never throw.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json usage_json(const Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens}};
}

json chunk(const CompletionHeader& h, json choices) {
  return {{"id", h.id},           {"object", "chat.completion.chunk"}, {"created", h.created},
          {"model", h.model},     {"system_fingerprint", nullptr},     {"choices", std::move(choices)}};
}

std::string event(const json& j) { return "data: " + dump(j) + "\n\n"; }

json one_choice(json delta, const json& finish_reason) {
  return json::array({{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}, {"finish_reason", finish_reason}}});
}

}  // namespace

std::string completion_body(const CompletionHeader& h, const std::string& text, const std::string& finish_reason,
                            const Usage& usage) {
  json message = {{"role", "assistant"}, {"content", text}, {"refusal", nullptr}};
  json choice = {{"index", 0}, {"message", message}, {"logprobs", nullptr}, {"finish_reason", finish_reason}};
  return dump({{"id", h.id},
               {"object", "chat.completion"},
               {"created", h.created},
               {"model", h.model},
               {"system_fingerprint", nullptr},
               {"choices", json::array({choice})},
               {"usage", usage_json(usage)}});
}

std::string role_chunk_event(const CompletionHeader& h) {
  return event(chunk(h, one_choice({{"role", "assistant"}, {"content", ""}}, nullptr)));
}

std::string text_chunk_event(const CompletionHeader& h, const std::string& text) {
  return event(chunk(h, one_choice({{"content", text}}, nullptr)));
}

std::string finish_chunk_event(const CompletionHeader& h, const std::string& finish_reason) {
  return event(chunk(h, one_choice(json::object(), finish_reason)));
}

std::string usage_chunk_event(const CompletionHeader& h, const Usage& usage) {
  json j = chunk(h, json::array());
  j["usage"] = usage_json(usage);
  return event(j);
}

std::string error_event(const std::string& error_body) { return "data: " + error_body + "\n\n"; }

std::string new_completion_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx%08llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng() & 0xffffffffULL));
  return std::string("chatcmpl-") + buf;
}

}  // namespace vlsi::serve
