// Encoding through a model folder's own chat template against transformers:
// SampleEncoder with the LLaVA-OneVision golden folder's chat_template.jinja
// gives the ids tokenizer.apply_chat_template(tokenize=True) gives, and its
// labels sit exactly on return_assistant_tokens_mask. Images count one token
// each here (transformers' tokenizer does not expand them).
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "../infer/goldens.h"
#include "../support/python_reference.h"
#include "test_util.h"
#include "vlsi/data/collate.h"
#include "vlsi/data/template_chat.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/model_bundle.h"

namespace vlsi::data {
namespace {

using nlohmann::json;

Record record_of(const json& messages) {
  json conv = json::array();
  for (const auto& m : messages) {
    std::string text;
    for (const auto& item : m["content"]) {
      if (!text.empty()) text += "\n";
      text += item["type"] == "image" ? std::string(kImagePlaceholder) : item["text"].get<std::string>();
    }
    conv.push_back({{"from", m["role"] == "user" ? "human" : "gpt"}, {"value", text}});
  }
  json images = json::array();
  for (const auto& m : messages)
    for (const auto& item : m["content"])
      if (item["type"] == "image") images.push_back("unused.png");
  return parse_record(json{{"id", "r"}, {"image", images}, {"conversations", conv}}, "case");
}

json user(std::vector<json> items) { return {{"role", "user"}, {"content", items}}; }
json assistant(const std::string& t) { return {{"role", "assistant"}, {"content", {{{"type", "text"}, {"text", t}}}}}; }
json image() { return {{"type", "image"}}; }
json text(const std::string& t) { return {{"type", "text"}, {"text", t}}; }

TEST(TemplateEncoding, IdsAndAnswerLabelsMatchTransformers) {
  const std::string folder = test_goldens::golden_model_folder("gqa_tied_p8");
  const std::vector<json> conversations = {
      {user({image(), text("What colour is the square?")}), assistant("Red.")},
      {user({text("Hi")}), assistant(" spaced  answer \n"), user({image(), image(), text("Compare.")}),
       assistant("The first is wider.")},
      {user({text("naïve café ✓")}), assistant("Ünïcödé, \"quotes\" and\ttabs")},
  };
  json spec = {{"folder", folder}, {"cases", json::array()}};
  for (const auto& c : conversations) {
    spec["cases"].push_back({{"messages", c}, {"generation_prompt", false}});
    json prompt = c;
    prompt.erase(prompt.size() - 1);
    spec["cases"].push_back({{"messages", prompt}, {"generation_prompt", true}});
  }
  const std::string dir = testing::scratch_dir("template_encoding");
  io::write_json_file(dir + "/spec.json", spec);
  const std::string cmd = test_python::command("tests/data/ref_template_encoding.py") + dir + "/spec.json " + dir +
                          "/ref.json";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n" << test_python::missing_hint();
  const json ref = io::read_json_file(dir + "/ref.json");

  model::ModelBundle b;
  b.chat_template = model::load_chat_template(folder);
  ASSERT_NE(b.chat_template, nullptr);
  b.template_variables = model::load_template_variables(folder);
  ChatFormat f = chat_format_of(b);
  SampleEncoder enc(text::Tokenizer::from_file(folder + "/tokenizer.json"), f);
  auto ones = [](size_t k) { return std::vector<int64_t>(k, 1); };
  for (size_t i = 0; i < conversations.size(); ++i) {
    const Record r = record_of(conversations[i]);
    const EncodedSample e = enc.encode(r, ones);
    const json& want = ref[2 * i];
    EXPECT_EQ(e.input_ids, want["ids"].get<std::vector<int64_t>>()) << "conversation " << i;
    std::vector<int64_t> mask;
    for (int64_t l : e.labels) mask.push_back(l != kIgnoreIndex);
    EXPECT_EQ(mask, want["mask"].get<std::vector<int64_t>>()) << "conversation " << i;
    const PromptSample p = enc.encode_prompt(r, ones);
    EXPECT_EQ(p.input_ids, ref[2 * i + 1]["ids"].get<std::vector<int64_t>>()) << "prompt " << i;
  }
}

}  // namespace
}  // namespace vlsi::data
