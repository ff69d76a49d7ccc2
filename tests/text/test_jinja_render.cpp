// vlsi's Jinja interpreter on its own: exact renderings, generation spans,
// one-line errors with line and column, the ChatTemplate API and finding a
// model folder's template. Parity with transformers: test_jinja_snippets.cpp
// and test_jinja_templates.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "reference_support.h"
#include "vlsi/io/error.h"
#include "vlsi/text/jinja/chat_template_renderer.h"

namespace vlsi::text::jinja {
namespace {

using nlohmann::ordered_json;
using vlsi::text::testing::TempDir;

std::string render(const std::string& source, const ordered_json& context = ordered_json::object()) {
  return ChatTemplate::parse(source, "tmpl").render(context).text;
}

// The error message of parsing and rendering `source`, or "" when it works.
std::string error_of(const std::string& source, const ordered_json& context = ordered_json::object()) {
  try {
    ChatTemplate::parse(source, "tmpl").render(context);
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "not one line: " << msg;
    return msg;
  }
  return "";
}

TEST(JinjaRender, AppliesTransformersWhitespaceSettings) {
  // trim_blocks drops the newline after a tag, lstrip_blocks the indentation before it.
  EXPECT_EQ(render("{% if true %}\n  yes\n  {% endif %}\nend"), "  yes\nend");
  EXPECT_EQ(render("a  {%- if true -%}  b  {%- endif -%}  c"), "abc");
  EXPECT_EQ(render("x {{- 1 -}} y"), "x1y");
  EXPECT_EQ(render("  {%+ if true %}kept{% endif %}"), "  kept");
  EXPECT_EQ(render("{# note #}\nafter"), "after");
  EXPECT_EQ(render("{% raw %}{{ literal }}{% endraw %}"), "{{ literal }}");
  EXPECT_EQ(render("one trailing newline dropped\n\n"), "one trailing newline dropped\n");
  EXPECT_EQ(render("a\r\nb"), "a\nb");
}

TEST(JinjaRender, PrintsValuesAsPython) {
  EXPECT_EQ(render("{{ none }} {{ true }} {{ 1/2 }} {{ 4/2 }} {{ 1e20 }} {{ 1.5e-7 }} {{ -7//2 }} {{ -7 % 3 }}"),
            "None True 0.5 2.0 1e+20 1.5e-07 -4 2");
  EXPECT_EQ(render("{{ [1, 'a', none, {'k': \"it's\"}] }} {{ (1,) }}"), "[1, 'a', None, {'k': \"it's\"}] (1,)");
  EXPECT_EQ(render("{{ x | tojson }}", {{"x", {{"b", 1}, {"a", "\u00e9\n"}}}}), "{\"b\": 1, \"a\": \"\u00e9\\n\"}");
  EXPECT_EQ(render("{{ [1, [2]] | tojson(indent=2) }}"), "[\n  1,\n  [\n    2\n  ]\n]");
}

TEST(JinjaRender, LoopsScopesAndNamespaces) {
  EXPECT_EQ(render("{% for x in xs %}{{ loop.index }}{{ x }}{% if not loop.last %},{% endif %}{% else %}none{% endfor %}",
                   {{"xs", {"a", "b"}}}),
            "1a,2b");
  EXPECT_EQ(render("{% for x in xs %}x{% else %}none{% endfor %}", {{"xs", ordered_json::array()}}), "none");
  // A set inside a loop body does not leak; a namespace carries the value out.
  EXPECT_EQ(render("{% set c = 0 %}{% set ns = namespace(c=0) %}{% for i in range(3) %}{% set c = c + 1 %}"
                   "{% set ns.c = ns.c + 1 %}{% endfor %}{{ c }} {{ ns.c }}"),
            "0 3");
  EXPECT_EQ(render("{% macro m(a, b='B') %}{{ a }}{{ b }}{% endmacro %}{{ m('A') }}{{ m(b='y', a='x') }}"), "ABxy");
  EXPECT_EQ(render("{% for i in range(5) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}"), "012");
}

TEST(JinjaRender, RecordsGenerationSpansInBytes) {
  const auto r = ChatTemplate::parse("<{% for m in ms %}{% generation %}{{ m }}{% endgeneration %}|{% endfor %}", "t")
                     .render(ordered_json{{"ms", {"\u00e9t\u00e9", "x"}}});
  EXPECT_EQ(r.text, "<\u00e9t\u00e9|x|");
  const std::vector<std::pair<size_t, size_t>> want = {{1, 6}, {7, 8}};
  EXPECT_EQ(r.generation_spans, want);
}

TEST(JinjaRender, SyntaxErrorsNameLineAndColumn) {
  EXPECT_EQ(error_of("{% for x in xs %}\n  body"),
            "tmpl:1:1: 'for' block is never closed (expected 'endfor' or 'else' before the end of the template)");
  EXPECT_EQ(error_of("ok\n{% if x %}{% else %}"),
            "tmpl:2:1: 'if' block is never closed (expected 'endif' before the end of the template)");
  EXPECT_EQ(error_of("{{ x | nope }}"), "tmpl:1:8: no filter named 'nope'");
  EXPECT_EQ(error_of("{{ x is nope }}"), "tmpl:1:9: no test named 'nope'");
  EXPECT_EQ(error_of("a\n {% frobnicate %}"), "tmpl:2:5: unknown tag 'frobnicate'");
  EXPECT_EQ(error_of("{% endif %}"), "tmpl:1:4: unexpected 'endif': no open block takes it here");
  EXPECT_EQ(error_of("{{ x "), "tmpl:1:1: unexpected end of template, expected '}}'");
  EXPECT_EQ(error_of("{{ 'abc }}"), "tmpl:1:4: unterminated string literal");
  EXPECT_EQ(error_of("{{ a $ b }}"), "tmpl:1:6: unexpected char '$'");
  EXPECT_EQ(error_of("{{ (a ] }}"), "tmpl:1:7: unexpected ']', expected ')'");
  EXPECT_EQ(error_of("{# never closed"), "tmpl:1:1: missing end of comment tag");
  EXPECT_EQ(error_of("{% break %}"), "tmpl:1:4: 'break' outside a loop");
  EXPECT_EQ(error_of("{% include 'x' %}"), "tmpl:1:4: the 'include' tag is not supported");
  EXPECT_EQ(error_of("{{ }}"), "tmpl:1:4: expected an expression, got end of print statement '}}'");
  EXPECT_EQ(error_of("\u00e9\u00e9{{ 1 + }}"), "tmpl:1:10: unexpected end of print statement '}}'");
  // Pathological nesting is an error, not a stack overflow.
  EXPECT_NE(error_of("{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}").find("nests deeper than"),
            std::string::npos);
  EXPECT_NE(error_of("{{ " + std::string(5000, '-') + "1 }}").find("nests deeper than"), std::string::npos);
  std::string deep_ifs;
  for (int k = 0; k < 2000; ++k) deep_ifs += "{% if true %}";
  EXPECT_NE(error_of(deep_ifs).find("nests deeper than"), std::string::npos);
  std::string nested;
  for (int k = 0; k < 50; ++k) nested = "(" + (nested.empty() ? std::string("1") : nested) + " + 1)";
  EXPECT_EQ(render("{{ " + nested + " }}"), "51");
}

TEST(JinjaRender, RuntimeErrorsNameLineAndColumn) {
  EXPECT_EQ(error_of("line one\n  {{ raise_exception('Only user and assistant roles are supported!') }}"),
            "tmpl:2:6: Only user and assistant roles are supported!");
  EXPECT_EQ(error_of("{{ foo.bar }}"), "tmpl:1:7: 'foo' is undefined");
  EXPECT_EQ(error_of("{{ m.content.strip() }}", {{"m", {{"role", "user"}}}}),
            "tmpl:1:13: 'dict object' has no attribute 'content'");
  EXPECT_EQ(error_of("{{ 1 + 'a' }}"), "tmpl:1:6: unsupported operand type(s) for +: 'int' and 'str'");
  EXPECT_EQ(error_of("{% for x in 3 %}{% endfor %}"), "tmpl:1:1: 'int' object is not iterable");
  EXPECT_EQ(error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"),
            "tmpl:1:20: maximum recursion depth exceeded in macro 'f'");
  // Undefined values are fine where jinja2's Undefined is: printing, tests, length, iteration.
  EXPECT_EQ(error_of("{{ foo }}{{ foo is defined }}{{ foo | length }}{% for x in foo %}{% endfor %}{{ (foo.bar is defined) if foo }}"), "");
}

TEST(JinjaRender, ContextDefaultsAndKeyOrder) {
  auto t = ChatTemplate::parse("{{ tools }} {{ documents }} {{ add_generation_prompt }} {{ x | tojson }}", "t");
  EXPECT_EQ(t.render(ordered_json{{"x", {{"b", 1}, {"a", 2}}}}).text, "None None False {\"b\": 1, \"a\": 2}");
  // nlohmann::json keeps keys sorted; ordered_json keeps the caller's order.
  EXPECT_EQ(t.render(nlohmann::json{{"x", {{"b", 1}, {"a", 2}}}}).text, "None None False {\"a\": 2, \"b\": 1}");
  EXPECT_EQ(t.render(ordered_json{{"tools", {1}}, {"add_generation_prompt", true}, {"x", nullptr}}).text,
            "[1] None True null");
  EXPECT_THROW(t.render(ordered_json::array()), Error);
  EXPECT_EQ(t.name(), "t");
}

TEST(JinjaRender, FindsTheTemplateOfAModelFolder) {
  TempDir dir;
  EXPECT_THROW(ChatTemplate::from_model_dir(dir.path), Error);
  std::ofstream(dir.path + "/tokenizer_config.json")
      << R"({"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D{{ 1 }}"}]})";
  EXPECT_EQ(ChatTemplate::from_model_dir(dir.path).render(ordered_json::object()).text, "D1");
  std::ofstream(dir.path + "/chat_template.json") << R"({"chat_template": "P{{ 2 }}"})";
  EXPECT_EQ(ChatTemplate::from_model_dir(dir.path).render(ordered_json::object()).text, "P2");
  std::ofstream(dir.path + "/chat_template.jinja") << "J{{ 3 }}\n";
  const auto t = ChatTemplate::from_model_dir(dir.path);
  EXPECT_EQ(t.render(ordered_json::object()).text, "J3");
  EXPECT_EQ(t.name(), dir.path + "/chat_template.jinja");
  // The committed LLaVA-OneVision model folder renders its own template.
  const auto llava = ChatTemplate::from_model_dir(vlsi::text::testing::source_dir() + "/tests/goldens/llava_onevision/gqa_tied_p8");
  const ordered_json msgs = ordered_json::parse(
      R"([{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Hi?"}]},
          {"role": "assistant", "content": [{"type": "text", "text": "Yes."}]}])");
  const auto r = llava.render(ordered_json{{"messages", msgs}, {"add_generation_prompt", false}});
  EXPECT_EQ(r.text, "<|im_start|>user <image>\nHi?<|im_end|><|im_start|>assistant \nYes.<|im_end|>");
  ASSERT_EQ(r.generation_spans.size(), 1u);
  EXPECT_EQ(r.text.substr(r.generation_spans[0].first, r.generation_spans[0].second - r.generation_spans[0].first), "\nYes.");
}

}  // namespace
}  // namespace vlsi::text::jinja
