// Real model chat templates rendered by vlsi's Jinja interpreter and by
// transformers (render_jinja_template, as apply_chat_template does) over many
// conversations: the texts and the {% generation %} spans must be identical.
// Templates: tests/data/chat_templates/ (README there says where each is from).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_jinja_reference.h"

namespace vlsi::text {
namespace {

using namespace vlsi::text::testing;
using ojson = nlohmann::ordered_json;

std::string fixture(const std::string& name) {
  const std::string path = source_dir() + "/tests/data/chat_templates/" + name;
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing fixture " << path;
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

ojson say(const std::string& role, const std::string& text) { return {{"role", role}, {"content", text}}; }
ojson image() { return {{"type", "image"}}; }
ojson video() { return {{"type", "video"}}; }
ojson text_part(const std::string& t) { return {{"type", "text"}, {"text", t}}; }
ojson parts(const std::string& role, std::vector<ojson> items) {
  ojson content = ojson::array();
  for (auto& i : items) content.push_back(std::move(i));
  return {{"role", role}, {"content", content}};
}
ojson conv(std::vector<ojson> messages) {
  ojson out = ojson::array();
  for (auto& m : messages) out.push_back(std::move(m));
  return out;
}

// Texts that stress escaping and whitespace handling.
const char* kTricky = "He said \"hi\" and it's a back\\slash, {{ braces }} {% tags %} {# hash #}\n\tindented\n\nend ";
const char* kUnicode = "\u4f60\u597d caf\u00e9 \U0001F642 \u00a0nbsp \u2028sep";

// Conversations whose content is a list of typed parts (LLaVA-OneVision, Qwen2-VL).
std::vector<ojson> multimodal_conversations() {
  return {
      conv({parts("user", {image(), text_part("What is shown?")})}),
      conv({parts("user", {text_part("No image here.")})}),
      conv({parts("system", {text_part("Be brief.")}), parts("user", {image(), text_part("Describe.")}),
            parts("assistant", {text_part("A cat.")}), parts("user", {text_part("Colour?")}),
            parts("assistant", {text_part("Ginger.\n")})}),
      conv({parts("user", {video(), text_part("What happens?")}), parts("assistant", {text_part("line1\nline2")})}),
      conv({parts("user", {text_part("Compare"), image(), image()}),
            parts("assistant", {text_part("First."), text_part("Second.")})}),
      conv({parts("user", {text_part(kTricky)}), parts("assistant", {text_part(kUnicode)})}),
      conv({parts("user", {}), parts("assistant", {text_part("")})}),
      conv({}),
      conv({parts("assistant", {text_part("I start.")}), parts("user", {image(), video(), text_part("ok")})}),
      conv({parts("user", {image(), text_part("  spaced  ")}), parts("assistant", {text_part(" yes ")}),
            parts("user", {video(), image(), text_part("again")}), parts("assistant", {text_part("done")})}),
  };
}

std::vector<JinjaCase> cases_for(const std::string& label, const std::string& source, const std::vector<ojson>& convs,
                                 const std::vector<ojson>& extras) {
  std::vector<JinjaCase> out;
  for (size_t k = 0; k < convs.size(); ++k)
    for (const auto& extra : extras)
      for (bool gen : {false, true}) {
        ojson context = {{"messages", convs[k]}, {"add_generation_prompt", gen}, {"bos_token", "<s>"},
                         {"eos_token", "<|im_end|>"}};
        for (auto it = extra.begin(); it != extra.end(); ++it) context[it.key()] = it.value();
        out.push_back({label + " conversation " + std::to_string(k) + " variables " +
                           std::to_string(&extra - extras.data()) + (gen ? " generation prompt" : ""),
                       source, context});
      }
  return out;
}

TEST(JinjaTemplates, LlavaOnevisionMatchesTransformers) {
  const auto cases = cases_for("llava_onevision", fixture("llava_onevision.jinja"), multimodal_conversations(), {ojson::object()});
  EXPECT_EQ(expect_same_as_transformers(cases), cases.size());
  // The spans are the assistant texts (with their leading "\n").
  auto r = render_with_vlsi(cases[4]);  // conversation 2, no generation prompt
  ASSERT_FALSE(r.failed) << r.text;
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.text.substr(r.spans[0].first, r.spans[0].second - r.spans[0].first), "\nA cat.");
  EXPECT_EQ(r.text.substr(r.spans[1].first, r.spans[1].second - r.spans[1].first), "\nGinger.\n");
}

TEST(JinjaTemplates, Qwen2InstructMatchesTransformers) {
  std::vector<ojson> convs = {
      conv({say("user", "Hi")}),
      conv({say("system", "You are terse."), say("user", "2+2?"), say("assistant", "4")}),
      conv({say("user", "What is in <image>?"), say("assistant", "A cat on a mat."), say("user", "And its colour?"),
            say("assistant", "Ginger.\n")}),
      conv({say("user", kTricky), say("assistant", kUnicode)}),
      conv({say("assistant", "starts with assistant")}),
      conv({say("system", ""), say("user", ""), say("assistant", "")}),
      conv({say("user", "  leading and trailing spaces  \n")}),
      conv({}),
  };
  const auto cases = cases_for("qwen2", fixture("qwen2_instruct.jinja"), convs, {ojson::object()});
  EXPECT_EQ(expect_same_as_transformers(cases), cases.size());
}

TEST(JinjaTemplates, Qwen2VlMatchesTransformers) {
  std::vector<ojson> convs = multimodal_conversations();
  convs.push_back(conv({say("system", "Plain string system."), say("user", "plain string user"),
                        parts("assistant", {text_part("parts answer")})}));
  convs.push_back(conv({parts("user", {{{"type", "image_url"}, {"image_url", {{"url", "http://x/y.png"}}}},
                                       {{"image", "file:///a.jpg"}},
                                       {{"video", "file:///b.mp4"}},
                                       {{"type", "text"}, {"text", "three things"}},
                                       {{"type", "unknown"}}})}));
  const std::vector<ojson> extras = {ojson::object(), {{"add_vision_id", true}}, {{"add_vision_id", false}}};
  const auto cases = cases_for("qwen2_vl", fixture("qwen2_vl_instruct.jinja"), convs, extras);
  EXPECT_EQ(expect_same_as_transformers(cases), cases.size());
}

TEST(JinjaTemplates, Qwen3MatchesTransformers) {
  const ojson tool_call = {{"function", {{"name", "get_weather"}, {"arguments", {{"city", "Paris"}, {"unit", "\u00b0C"}}}}}};
  const ojson string_call = {{"name", "lookup"}, {"arguments", "{\"q\": \"x\"}"}};
  ojson with_calls = say("assistant", "Let me check.");
  with_calls["tool_calls"] = ojson::array({tool_call, string_call});
  ojson silent_call = say("assistant", "");
  silent_call["tool_calls"] = ojson::array({tool_call});
  ojson reasoned = say("assistant", "The answer is 4.");
  reasoned["reasoning_content"] = "2 plus 2 makes 4.";
  std::vector<ojson> convs = {
      conv({say("user", "Hi")}),
      conv({say("system", "Be brief."), say("user", "2+2?"), say("assistant", "<think>\nadd them\n</think>\n\n4")}),
      conv({say("user", "q1"), say("assistant", "<think>old thoughts</think>a1"), say("user", "q2"),
            say("assistant", "<think>\nnew thoughts\n</think>\n\na2")}),
      conv({say("user", "q"), reasoned}),
      conv({say("user", "Weather in Paris?"), with_calls, say("tool", "{\"temp\": 21}"), say("tool", "second result"),
            say("assistant", "It is 21 degrees.")}),
      conv({say("user", "call it"), silent_call, say("tool", "done")}),
      conv({say("user", "<tool_response>\nnot a real query\n</tool_response>"), say("assistant", "ok")}),
      conv({say("system", "sys"), say("user", kTricky), say("assistant", kUnicode), say("system", "late system")}),
  };
  const ojson tools = ojson::array(
      {{{"type", "function"},
        {"function",
         {{"name", "get_weather"},
          {"description", "Current weather \u2600 for a city"},
          {"parameters",
           {{"type", "object"},
            {"properties", {{"city", {{"type", "string"}}}, {"unit", {{"type", "string"}, {"enum", {"c", "f"}}}}}},
            {"required", {"city"}}}}}}}});
  const std::vector<ojson> extras = {ojson::object(), {{"enable_thinking", false}}, {{"tools", tools}}};
  const auto cases = cases_for("qwen3", fixture("qwen3.jinja"), convs, extras);
  EXPECT_EQ(expect_same_as_transformers(cases), cases.size());
  // Without messages the template reads messages[0].role of an empty list: both fail.
  const auto empty = cases_for("qwen3", fixture("qwen3.jinja"), {conv({})}, extras);
  EXPECT_EQ(expect_same_as_transformers(empty, true), empty.size());
  EXPECT_TRUE(render_with_vlsi(empty[0]).failed);
}

TEST(JinjaTemplates, Gemma3MatchesTransformers) {
  std::vector<ojson> convs = {
      conv({say("user", "Hi")}),
      conv({say("system", "Be brief."), say("user", "  2+2?  "), say("assistant", "4\n"), say("user", "And 3+3?")}),
      conv({parts("system", {text_part("System as parts.")}), parts("user", {image(), text_part(" Describe. ")}),
            parts("assistant", {text_part("A cat.")})}),
      conv({say("user", kTricky), say("assistant", kUnicode)}),
      conv({parts("user", {image(), image(), text_part("two"), {{"type", "video"}}})}),
  };
  const auto cases = cases_for("gemma3", fixture("gemma3.jinja"), convs, {ojson::object()});
  EXPECT_EQ(expect_same_as_transformers(cases), cases.size());
  // Roles that do not alternate, and content that is neither text nor parts, raise_exception on both sides.
  std::vector<ojson> bad = {conv({say("user", "a"), say("user", "b")}), conv({say("assistant", "first")}),
                            conv({{{"role", "user"}, {"content", 42}}}), conv({{{"role", "user"}, {"content", nullptr}}})};
  const auto failing = cases_for("gemma3", fixture("gemma3.jinja"), bad, {ojson::object()});
  EXPECT_EQ(expect_same_as_transformers(failing, true), failing.size());
  const auto r = render_with_vlsi(failing[0]);
  EXPECT_TRUE(r.failed);
  EXPECT_NE(r.text.find("Conversation roles must alternate user/assistant/user/assistant/..."), std::string::npos) << r.text;
}

}  // namespace
}  // namespace vlsi::text
