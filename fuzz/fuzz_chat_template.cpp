// libFuzzer target: a chat template (the Jinja text a model folder ships),
// parsed and rendered with a small conversation the way vlsi renders prompts:
// string and list contents, an image, a generation prompt, special tokens.
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_support.h"
#include "vlsi/text/jinja/chat_template_renderer.h"

namespace {

const nlohmann::ordered_json& conversation() {
  static const auto* c = new nlohmann::ordered_json(nlohmann::ordered_json::parse(R"({
    "messages": [
      {"role": "system", "content": "You are a helpful assistant."},
      {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What colour is the triangle?"}]},
      {"role": "assistant", "content": "red"},
      {"role": "user", "content": "<image>\nAnd the circle? caf\u00e9 \u4e2d"}],
    "add_generation_prompt": true,
    "bos_token": "<|endoftext|>", "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"})"));
  return *c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vlsi::fuzz::expect_only_vlsi_errors([&] {
    const auto tmpl = vlsi::text::jinja::ChatTemplate::parse(std::string(reinterpret_cast<const char*>(data), size),
                                                             "chat_template.jinja");
    const auto r = tmpl.render(conversation());
    size_t last = 0;
    for (const auto& [begin, end] : r.generation_spans) {
      vlsi::fuzz::require(last <= begin && begin <= end && end <= r.text.size(), "generation spans ordered, inside the text");
      last = end;
    }
  });
  return 0;
}
