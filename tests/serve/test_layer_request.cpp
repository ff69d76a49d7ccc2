// check_layer_request: the layer endpoint refuses, naming the field, what
// greedy early-exit decoding would ignore, and accepts what it decodes with.
#include <gtest/gtest.h>

#include "vlsi/serve/api_error.h"
#include "vlsi/serve/chat_request.h"
#include "vlsi/serve/layer_answers.h"

namespace vlsi::serve::layer_request_test {
namespace {

// The param of the ApiError check_layer_request throws for `body` ("" when accepted).
std::string refused_param(const std::string& body) {
  const ChatRequest r = parse_chat_request(body, {});
  try {
    check_layer_request(r, body);
    return "";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status, 400);
    return e.param;
  }
}

TEST(LayerRequest, RefusesWhatGreedyLayerDecodingWouldIgnore) {
  const std::string head = R"({"model":"m","messages":[{"role":"user","content":"hi"}])";
  EXPECT_EQ(refused_param(head + "}"), "");
  EXPECT_EQ(refused_param(head + R"(,"temperature":0,"max_tokens":4,"seed":1})"), "");
  EXPECT_EQ(refused_param(head + R"(,"temperature":0.5})"), "temperature");
  EXPECT_EQ(refused_param(head + R"(,"stream":true})"), "stream");
  EXPECT_EQ(refused_param(head + R"(,"stop":["a"]})"), "stop");
}

}  // namespace
}  // namespace vlsi::serve::layer_request_test
