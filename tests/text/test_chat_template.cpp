// ChatML rendering: exact strings, answer segments for label masking, image
// placeholder expansion, and agreement with Qwen2's real Jinja template as
// rendered by @huggingface/jinja.
#include <gtest/gtest.h>

#include <fstream>

#include "reference_support.h"
#include "vlsi/io/error.h"
#include "vlsi/text/bpe_trainer.h"
#include "vlsi/text/chat_template.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::text {
namespace {

using namespace vlsi::text::testing;
using nlohmann::json;

// Qwen2-Instruct's chat_template (tokenizer_config.json), verbatim.
const char* kQwen2Template =
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
// The same template without the default system message (plain ChatML).
const char* kChatMLTemplate =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

std::vector<ChatMessage> conversation() {
  return {{"user", "What is in <image>?"}, {"assistant", "A cat on a mat."}, {"user", "And its colour?"}, {"assistant", "Ginger.\n"}};
}

TEST(ChatTemplate, RendersQwen2ChatML) {
  ChatTemplateOptions opt;
  opt.add_default_system = true;
  EXPECT_EQ(render_chat({{"user", "Hi"}, {"assistant", "Hello!"}}, opt),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\nHello!<|im_end|>\n");
  opt.add_generation_prompt = true;
  EXPECT_EQ(render_chat({{"system", "Be brief."}, {"user", "Hi"}}, opt),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  opt.add_default_system = false;
  EXPECT_EQ(render_chat({{"user", "Hi"}}, opt), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(render_chat({}, opt), "<|im_start|>assistant\n");
}

TEST(ChatTemplate, SegmentsMarkOnlyAssistantAnswers) {
  ChatTemplateOptions opt;
  opt.add_default_system = true;
  auto segs = render_chat_segments(conversation(), opt);
  std::string joined;
  std::vector<std::string> answers;
  for (const auto& s : segs) {
    joined += s.text;
    if (s.is_assistant_answer) answers.push_back(s.text);
  }
  EXPECT_EQ(joined, render_chat(conversation(), opt));
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0], "A cat on a mat.<|im_end|>");
  EXPECT_EQ(answers[1], "Ginger.\n<|im_end|>");
  // Prompt pieces end right after the assistant header, as at inference time.
  for (size_t k = 0; k + 1 < segs.size(); ++k)
    if (segs[k + 1].is_assistant_answer) {
      EXPECT_FALSE(segs[k].is_assistant_answer);
      EXPECT_NE(segs[k].text.rfind("<|im_start|>assistant\n"), std::string::npos);
      EXPECT_EQ(segs[k].text.substr(segs[k].text.size() - 22), "<|im_start|>assistant\n");
    }
  EXPECT_FALSE(segs.back().is_assistant_answer);
  EXPECT_EQ(segs.back().text, "\n");
}

TEST(ChatTemplate, ExpandsImagePlaceholders) {
  size_t next = 0;
  EXPECT_EQ(expand_image_placeholders("a <image> b <image>", "<image>", "<|image_pad|>", {3, 1}, next),
            "a <|image_pad|><|image_pad|><|image_pad|> b <|image_pad|>");
  EXPECT_EQ(next, 2u);
  next = 0;
  EXPECT_EQ(expand_image_placeholders("no image", "<image>", "<i>", {}, next), "no image");
  EXPECT_EQ(expand_image_placeholders("<image>", "<image>", "<i>", {0}, next), "");
  next = 0;
  EXPECT_THROW(expand_image_placeholders("<image><image>", "<image>", "<i>", {1}, next), Error);  // counts run out
  ChatTemplateOptions opt;
  opt.expand_images = true;
  opt.image_token_counts = {2, 1};  // consumed in order across messages
  opt.image_token = "<I>";
  EXPECT_EQ(render_chat({{"user", "<image>\nDescribe."}, {"assistant", "ok"}, {"user", "<image>"}}, opt),
            "<|im_start|>user\n<I><I>\nDescribe.<|im_end|>\n<|im_start|>assistant\nok<|im_end|>\n"
            "<|im_start|>user\n<I><|im_end|>\n");
  opt.expand_images = false;
  EXPECT_EQ(render_chat({{"user", "<image>"}}, opt), "<|im_start|>user\n<image><|im_end|>\n");
  next = 0;
  EXPECT_THROW(expand_image_placeholders("x", "", "<i>", {1}, next), Error);
}

TEST(ChatTemplate, ReadsMessagesFromJson) {
  auto msgs = chat_messages_from_json(json::parse(R"([{"role":"user","content":"hi"}])"), "conv.json");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].content, "hi");
  try {
    chat_messages_from_json(json::parse(R"([{"role":"user"}])"), "conv.json");
    FAIL() << "missing content accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("conv.json: message 0"), std::string::npos) << e.what();
  }
}

// Segment-wise tokenisation equals whole-string tokenisation when answers do
// not start with a newline, so training and inference see the same ids.
TEST(ChatTemplate, SegmentTokensMatchWholeString) {
  BpeTrainerOptions o;
  o.vocab_size = 400;
  o.special_tokens = {"<|im_start|>", "<|im_end|>", "<image>"};
  BpeTrainer trainer(o);
  for (int r = 0; r < 30; ++r) trainer.add_text("<|im_start|>user\nWhat is this?<|im_end|>\n<|im_start|>assistant\nA cat.<|im_end|>\n");
  Tokenizer tok = Tokenizer::from_json(trainer.train(), "trained");
  ChatTemplateOptions opt;
  opt.add_default_system = true;
  std::vector<int64_t> pieces;
  for (const auto& s : render_chat_segments(conversation(), opt)) {
    auto ids = tok.encode(s.text);
    pieces.insert(pieces.end(), ids.begin(), ids.end());
  }
  EXPECT_EQ(pieces, tok.encode(render_chat(conversation(), opt)));
}

TEST(ChatTemplate, MatchesQwen2JinjaTemplate) {
  std::string err = ensure_reference();
  ASSERT_EQ(err, "") << "the reference libraries are required for this test: " << err;
  std::vector<std::vector<ChatMessage>> convs = {
      conversation(),
      {{"system", "You are terse."}, {"user", "2+2?"}, {"assistant", "4"}},
      {{"user", "multi\nline\n\ncontent with \"quotes\" and {{ braces }}"}},
      {{"user", "\u4f60\u597d"}, {"assistant", "\u4f60\u597d\uff01\U0001F600"}, {"user", "<image><image> compare"}},
      {{"assistant", "starts with assistant"}},
      {{"system", ""}, {"user", ""}, {"assistant", ""}},
  };
  for (const char* tmpl : {kQwen2Template, kChatMLTemplate}) {
    const bool default_system = tmpl == kQwen2Template;
    json input = {{"template", tmpl}, {"cases", json::array()}};
    std::vector<std::string> ours;
    for (const auto& conv : convs)
      for (bool gen : {false, true}) {
        json msgs = json::array();
        for (const auto& m : conv) msgs.push_back({{"role", m.role}, {"content", m.content}});
        input["cases"].push_back({{"messages", msgs}, {"add_generation_prompt", gen}});
        ChatTemplateOptions opt;
        opt.add_default_system = default_system;
        opt.add_generation_prompt = gen;
        ours.push_back(render_chat(conv, opt));
      }
    TempDir dir;
    std::ofstream(dir.path + "/in.json") << input.dump();
    std::string cmd = test_python::command("tests/text/ref_chat.py") + shell_quote(dir.path + "/in.json") + " " +
                      shell_quote(dir.path + "/out.json");
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream f(dir.path + "/out.json");
    json ref = json::parse(f);
    ASSERT_EQ(ref.size(), ours.size());
    for (size_t k = 0; k < ours.size(); ++k)
      EXPECT_EQ(ours[k], ref[k].get<std::string>()) << "case " << k << " default_system=" << default_system;
  }
}

}  // namespace
}  // namespace vlsi::text
