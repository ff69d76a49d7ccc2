// The answer bodies: OpenAI's chat.completion object and its SSE chunk stream.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "vlsi/serve/completion_json.h"

namespace vlsi::serve::completion_json_test {
namespace {

using json = nlohmann::json;

const CompletionHeader kHeader{"chatcmpl-abc", 1700000000, "tiny"};

// The JSON of one SSE event, checking the framing: "data: " ... "\n\n", no other line.
json event_json(const std::string& event) {
  EXPECT_EQ(event.rfind("data: ", 0), 0u) << event;
  EXPECT_EQ(event.substr(event.size() - 2), "\n\n") << event;
  const std::string payload = event.substr(6, event.size() - 8);
  EXPECT_EQ(payload.find('\n'), std::string::npos) << "an event must be one line: " << event;
  return json::parse(payload);
}

TEST(CompletionJson, WholeAnswerHasTheFieldsTheClientReads) {
  auto j = json::parse(completion_body(kHeader, "a \"quoted\"\nline", "length", {12, 5}));
  EXPECT_EQ(j["id"], "chatcmpl-abc");
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["created"], 1700000000);
  EXPECT_EQ(j["model"], "tiny");
  ASSERT_EQ(j["choices"].size(), 1u);
  EXPECT_EQ(j["choices"][0]["index"], 0);
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "a \"quoted\"\nline");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["prompt_tokens"], 12);
  EXPECT_EQ(j["usage"]["completion_tokens"], 5);
  EXPECT_EQ(j["usage"]["total_tokens"], 17);
}

TEST(CompletionJson, StreamChunksAreOneLineEventsInOpenAIsFormat) {
  auto role = event_json(role_chunk_event(kHeader));
  EXPECT_EQ(role["object"], "chat.completion.chunk");
  EXPECT_EQ(role["id"], "chatcmpl-abc");
  EXPECT_EQ(role["choices"][0]["delta"]["role"], "assistant");
  EXPECT_TRUE(role["choices"][0]["finish_reason"].is_null());
  auto text = event_json(text_chunk_event(kHeader, "two\nlines"));  // newlines escaped inside the one line
  EXPECT_EQ(text["choices"][0]["delta"]["content"], "two\nlines");
  EXPECT_FALSE(text["choices"][0]["delta"].contains("role"));
  auto fin = event_json(finish_chunk_event(kHeader, "stop"));
  EXPECT_EQ(fin["choices"][0]["finish_reason"], "stop");
  EXPECT_TRUE(fin["choices"][0]["delta"].empty());
  auto usage = event_json(usage_chunk_event(kHeader, {3, 4}));
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["total_tokens"], 7);
  EXPECT_EQ(std::string(done_event()), "data: [DONE]\n\n");
  auto err = event_json(error_event("{\"error\":{\"message\":\"x\"}}"));
  EXPECT_EQ(err["error"]["message"], "x");
}

TEST(CompletionJson, IdsAreFreshAndPrefixed) {
  const std::string a = new_completion_id(), b = new_completion_id();
  EXPECT_EQ(a.rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(a.size(), 9u + 24u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace vlsi::serve::completion_json_test
