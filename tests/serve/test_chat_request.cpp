// Request parsing: every field OpenAI's client sends is read, every mistake
// is a 400 naming the field, and nothing but a well-formed request gets through.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "vlsi/io/base64.h"
#include "vlsi/serve/api_error.h"
#include "vlsi/serve/chat_request.h"

namespace vlsi::serve::chat_request_test {
namespace {

using json = nlohmann::json;

json minimal() { return {{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}}; }

ChatRequest parse(const json& j, RequestRules rules = {}) { return parse_chat_request(j.dump(), rules); }

// The ApiError a body gets (status 0 when it parses).
ApiError refusal(const std::string& body, RequestRules rules = {}) {
  try {
    parse_chat_request(body, rules);
  } catch (const ApiError& e) {
    return e;
  }
  return ApiError(0, "parsed");
}

std::string png_data_url() {
  // The 8-byte PNG signature is enough here: decoding happens later (chat_prompt.cpp).
  return "data:image/png;base64," + io::encode_base64(std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST(ChatRequest, MinimalRequestHasOpenAIDefaults) {
  auto r = parse(minimal());
  EXPECT_EQ(r.model, "m");
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].role, "user");
  EXPECT_EQ(r.messages[0].content, "hi");
  EXPECT_FALSE(r.max_tokens);
  EXPECT_EQ(r.temperature, 1.0);
  EXPECT_EQ(r.top_p, 1.0);
  EXPECT_FALSE(r.seed);
  EXPECT_FALSE(r.stream);
}

TEST(ChatRequest, ReadsSamplingStopStreamAndImageParts) {
  json j = minimal();
  j["messages"] = {{{"role", "system"}, {"content", "be brief"}},
                   {{"role", "user"},
                    {"content",
                     {{{"type", "image_url"}, {"image_url", {{"url", png_data_url()}, {"detail", "low"}}}},
                      {{"type", "text"}, {"text", "what is it?"}}}}}};
  j["max_tokens"] = 7;
  j["temperature"] = 0;
  j["top_p"] = 0.5;
  j["seed"] = 42;
  j["stop"] = {"a", "bc"};
  j["stream"] = true;
  j["stream_options"] = {{"include_usage", true}};
  j["n"] = 1;
  j["user"] = "someone";
  j["frequency_penalty"] = 0;
  auto r = parse(j);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[1].content, "<image>\nwhat is it?");  // as `vlsi generate --image` writes it
  ASSERT_EQ(r.images.size(), 1u);
  EXPECT_EQ(r.images[0].bytes.size(), 8u);
  EXPECT_EQ(r.images[0].param, "messages[1].content[0].image_url.url");
  EXPECT_EQ(*r.max_tokens, 7);
  EXPECT_EQ(r.temperature, 0.0);
  EXPECT_EQ(r.top_p, 0.5);
  EXPECT_EQ(*r.seed, 42u);
  EXPECT_EQ(r.stop, (std::vector<std::string>{"a", "bc"}));
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  j["stop"] = "x";
  j["max_tokens"] = nullptr;
  j["max_completion_tokens"] = 3;
  r = parse(j);
  EXPECT_EQ(r.stop, std::vector<std::string>{"x"});
  EXPECT_EQ(*r.max_tokens, 3);
}

TEST(ChatRequest, RefusalsName400AndTheField) {
  struct Case {
    std::string body, param, code;
  };
  auto with = [](const char* key, json v) {
    json j = minimal();
    j[key] = std::move(v);
    return j.dump();
  };
  auto message = [](json m) {
    json j = minimal();
    j["messages"] = json::array({std::move(m)});
    return j.dump();
  };
  auto image = [&](const std::string& url) {
    return message({{"role", "user"}, {"content", {{{"type", "image_url"}, {"image_url", {{"url", url}}}}}}});
  };
  const std::vector<Case> cases = {
      {"{\"model\": \"m\", ", "", "invalid_json"},
      {"[1, 2]", "", "invalid_type"},
      {"\"\\ud800\"", "", "invalid_json"},
      {with("max_tokens", "12"), "max_tokens", "invalid_type"},
      {with("max_tokens", 0), "max_tokens", "invalid_value"},
      {with("max_tokens", 1.5), "max_tokens", "invalid_type"},
      {with("temperature", 3), "temperature", "invalid_value"},
      {with("temperature", "hot"), "temperature", "invalid_type"},
      {with("top_p", 0), "top_p", "invalid_value"},
      {with("seed", 1.5), "seed", "invalid_type"},
      {with("stop", {"a", "b", "c", "d", "e"}), "stop", "invalid_value"},
      {with("stop", 5), "stop", "invalid_type"},
      {with("stop", ""), "stop", "invalid_value"},
      {with("stream", "yes"), "stream", "invalid_type"},
      {with("n", 2), "n", "unsupported_value"},
      {with("frequency_penalty", 0.5), "frequency_penalty", "unsupported_value"},
      {with("tools", json::array({{{"type", "function"}}})), "tools", "unsupported_value"},
      {with("colour", "red"), "colour", "unknown_parameter"},
      {with("messages", "hi"), "messages", "invalid_type"},
      {with("messages", json::array()), "messages", "invalid_value"},
      {with("model", 5), "model", "invalid_type"},
      {json{{"messages", minimal()["messages"]}}.dump(), "model", "missing_required_parameter"},
      {message({{"role", "robot"}, {"content", "x"}}), "messages[0].role", "invalid_value"},
      {message({{"role", "user"}}), "messages[0].content", "missing_required_parameter"},
      {message({{"role", "user"}, {"content", 5}}), "messages[0].content", "invalid_type"},
      {message({{"role", "user"}, {"content", "look: <image>"}}), "messages[0].content", "invalid_value"},
      {message({{"role", "assistant"}, {"content", "x"}}), "messages", "invalid_value"},
      {message({{"role", "user"}, {"content", "x"}, {"tool_calls", json::array()}}), "messages[0].tool_calls",
       "unknown_parameter"},
      {message({{"role", "user"}, {"content", {{{"type", "audio"}}}}}), "messages[0].content[0].type", "invalid_value"},
      {image("https://example.com/cat.png"), "messages[0].content[0].image_url.url", "invalid_image_url"},
      {image("/etc/passwd"), "messages[0].content[0].image_url.url", "invalid_image_url"},
      {image("file:///etc/passwd"), "messages[0].content[0].image_url.url", "invalid_image_url"},
      {image("data:image/png;base64,@@@@"), "messages[0].content[0].image_url.url", "invalid_base64"},
      {image("data:text/html;base64,aGk="), "messages[0].content[0].image_url.url", "invalid_image_url"},
      {image("data:image/png;base64"), "messages[0].content[0].image_url.url", "invalid_value"},
  };
  for (const auto& c : cases) {
    ApiError e = refusal(c.body);
    EXPECT_EQ(e.status, 400) << c.body.substr(0, 200);
    EXPECT_EQ(e.param, c.param) << c.body.substr(0, 200) << ": " << e.what();
    EXPECT_EQ(e.code, c.code) << c.body.substr(0, 200) << ": " << e.what();
  }
}

TEST(ChatRequest, ImagesOnlyFromAllowedSourcesAndWithinTheCount) {
  json j = minimal();
  json parts = json::array();
  for (int i = 0; i < 3; ++i) parts.push_back({{"type", "image_url"}, {"image_url", {{"url", png_data_url()}}}});
  j["messages"][0]["content"] = parts;
  RequestRules two;
  two.max_images = 2;
  EXPECT_EQ(refusal(j.dump(), two).code, "too_many_images");
  EXPECT_EQ(parse(j).images.size(), 3u);
  j["messages"][0]["content"] = {{{"type", "image_url"}, {"image_url", {{"url", "file:///srv/img/a.png"}}}}};
  RequestRules files;
  files.allow_image_files = true;
  auto r = parse(j, files);
  ASSERT_EQ(r.images.size(), 1u);
  EXPECT_EQ(r.images[0].path, "/srv/img/a.png");  // the folder check comes when the prompt is built
  j["messages"][0]["content"] = {{{"type", "image_url"}, {"image_url", {{"url", "file://relative.png"}}}}};
  EXPECT_EQ(refusal(j.dump(), files).code, "invalid_image_url");
}

TEST(ChatRequest, DeepOrHugeBodiesAreRefusedNotCrashed) {
  EXPECT_EQ(refusal(std::string(100000, '[')).status, 400);
  EXPECT_EQ(refusal("").status, 400);
  EXPECT_EQ(refusal(std::string("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}")).status, 400);
}

TEST(ApiErrorBody, HasOpenAIsShape) {
  auto body = json::parse(error_body(ApiError(413, "too big", "", "request_too_large")));
  ASSERT_TRUE(body.contains("error"));
  EXPECT_EQ(body["error"]["message"], "too big");
  EXPECT_EQ(body["error"]["type"], "invalid_request_error");
  EXPECT_TRUE(body["error"]["param"].is_null());
  EXPECT_EQ(body["error"]["code"], "request_too_large");
  body = json::parse(error_body(ApiError(429, "busy", "x")));
  EXPECT_EQ(body["error"]["type"], "rate_limit_error");
  EXPECT_EQ(body["error"]["param"], "x");
  EXPECT_TRUE(body["error"]["code"].is_null());
  EXPECT_EQ(json::parse(error_body(500, "boom"))["error"]["type"], "server_error");
  // Invalid UTF-8 quoted from a request is replaced, never thrown.
  EXPECT_NO_THROW(json::parse(error_body(400, "bad \xff byte")));
}

}  // namespace
}  // namespace vlsi::serve::chat_request_test
