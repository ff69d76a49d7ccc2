#include "vlsi/text/jinja/chat_template_renderer.h"

#include <filesystem>

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/read_file.h"
#include "vlsi/text/jinja/interpreter.h"
#include "vlsi/text/jinja/lexer.h"
#include "vlsi/text/jinja/parser.h"
#include "vlsi/text/utf8.h"

namespace vlsi::text::jinja {

struct ChatTemplate::Parsed {
  Parsed(const std::string& raw, const std::string& where) : source(raw, where) {}
  SourceText source;
  Body body;
};

ChatTemplate ChatTemplate::parse(const std::string& source, const std::string& where) {
  check(is_valid_utf8(source), where, ": the template is not valid UTF-8");
  auto parsed = std::make_shared<Parsed>(source, where);
  parsed->body = Parser(parsed->source, tokenize(parsed->source)).parse_template();
  ChatTemplate t;
  t.parsed_ = std::move(parsed);
  return t;
}

namespace {

// "chat_template" of a JSON config: a string, or named templates.
std::string template_field(const nlohmann::json& j, const std::string& path) {
  const auto& t = j.at("chat_template");
  if (t.is_string()) return t.get<std::string>();
  check(t.is_array(), path, ": chat_template must be a string or a list of {name, template}");
  for (const auto& entry : t)
    if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template") &&
        entry["template"].is_string())
      return entry["template"].get<std::string>();
  fail(path, ": chat_template lists no template named 'default'");
}

}  // namespace

ChatTemplate ChatTemplate::load(const std::string& path) { return parse(io::read_file(path), path); }

ChatTemplate ChatTemplate::from_model_dir(const std::string& dir) {
  if (auto t = find_in_model_dir(dir)) return *t;
  fail(dir, ": no chat template (looked for chat_template.jinja, chat_template.json and tokenizer_config.json)");
}

std::optional<ChatTemplate> ChatTemplate::find_in_model_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string jinja = (fs::path(dir) / "chat_template.jinja").string();
  if (fs::exists(jinja)) return load(jinja);
  for (const char* file : {"chat_template.json", "tokenizer_config.json"}) {
    const std::string path = (fs::path(dir) / file).string();
    if (!fs::exists(path)) continue;
    const nlohmann::json j = io::read_json_file(path);
    if (j.is_object() && j.contains("chat_template")) return parse(template_field(j, path), path + ": chat_template");
  }
  return std::nullopt;
}

namespace {

template <typename Json>
Value context_value(const Json& context, const std::string& where) {
  check(context.is_object(), where, ": the render context must be a JSON object, got ", context.type_name());
  Value v = Value::from_json(context);
  for (const char* name : {"tools", "documents"})
    if (!v.entries().find(std::string(name))) v.entries().set(Value(name), Value::none());
  if (!v.entries().find(std::string("add_generation_prompt")))
    v.entries().set(Value("add_generation_prompt"), Value(false));
  return v;
}

}  // namespace

RenderedChat ChatTemplate::render(const nlohmann::ordered_json& context) const {
  RenderOutput out = Interpreter(parsed_->source).render(parsed_->body, context_value(context, name()));
  return {std::move(out.text), std::move(out.generation_spans)};
}

RenderedChat ChatTemplate::render(const nlohmann::json& context) const {
  RenderOutput out = Interpreter(parsed_->source).render(parsed_->body, context_value(context, name()));
  return {std::move(out.text), std::move(out.generation_spans)};
}

const std::string& ChatTemplate::name() const { return parsed_->source.name(); }

}  // namespace vlsi::text::jinja
