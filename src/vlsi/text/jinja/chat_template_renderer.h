#pragma once
// Renders a Hugging Face chat template (the Jinja text in chat_template.jinja
// or tokenizer_config.json's "chat_template") exactly as transformers'
// tokenizer.apply_chat_template(..., tokenize=False) does: jinja2 in
// transformers' environment (trim_blocks, lstrip_blocks, loop controls,
// {% generation %}, tojson with ensure_ascii=False, raise_exception,
// strftime_now). What of Jinja is supported: src/vlsi/text/jinja/README.md.
//
//   auto tmpl = ChatTemplate::parse(text, "model/chat_template.jinja");
//   RenderedChat r = tmpl.render(nlohmann::ordered_json{
//       {"messages", messages}, {"add_generation_prompt", true}, {"bos_token", "<s>"}});
//
// Errors (syntax at parse, runtime at render, raise_exception) are
// vlsi::Error with one line "where:line:col: what".
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vlsi::text::jinja {

struct RenderedChat {
  std::string text;
  // Byte ranges [begin, end) of `text` produced inside {% generation %}
  // blocks (the assistant's own tokens: transformers'
  // return_assistant_tokens_mask), in order.
  std::vector<std::pair<size_t, size_t>> generation_spans;
};

class ChatTemplate {
 public:
  // Parses `source`; `where` names it in error messages (e.g. its path).
  static ChatTemplate parse(const std::string& source, const std::string& where);
  // Reads a template file (chat_template.jinja).
  static ChatTemplate load(const std::string& path);
  // The template a model folder ships, looked for as transformers does:
  // chat_template.jinja, then chat_template.json's "chat_template", then
  // tokenizer_config.json's "chat_template" (a string, or a list of
  // {"name", "template"} of which "default" is taken).
  static ChatTemplate from_model_dir(const std::string& dir);
  // The same search; nullopt when the folder ships no template.
  static std::optional<ChatTemplate> find_in_model_dir(const std::string& dir);

  // `context` is an object whose entries become the template's variables:
  // "messages", "add_generation_prompt", special tokens ("bos_token", ...),
  // extra keyword arguments. As transformers' render_jinja_template does,
  // "tools" and "documents" are None and "add_generation_prompt" false
  // unless given. Object key order is kept with ordered_json (tojson
  // writes keys in that order); nlohmann::json sorts keys.
  RenderedChat render(const nlohmann::ordered_json& context) const;
  RenderedChat render(const nlohmann::json& context) const;

  const std::string& name() const;

 private:
  ChatTemplate() = default;
  struct Parsed;
  std::shared_ptr<const Parsed> parsed_;
};

}  // namespace vlsi::text::jinja
