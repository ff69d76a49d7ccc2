#pragma once
// Renders a parsed template: statements in interpreter.cpp, expressions in
// interpreter_expressions.cpp. Errors are vlsi::Error "name:line:col: what",
// the position being the innermost expression or statement that failed.
#include <string>
#include <utility>
#include <vector>

#include "vlsi/text/jinja/ast.h"
#include "vlsi/text/jinja/scope.h"
#include "vlsi/text/jinja/source_text.h"

namespace vlsi::text::jinja {

struct RenderOutput {
  std::string text;
  // Byte ranges of text written inside {% generation %} blocks at the top
  // level of the output (not inside macros, {% set %} or {% filter %} blocks,
  // whose output is captured before it reaches the result).
  std::vector<std::pair<size_t, size_t>> generation_spans;
};

class Interpreter {
 public:
  explicit Interpreter(const SourceText& source) : src_(source) {}
  // `context`: a dict value whose entries become the template's variables.
  RenderOutput render(const Body& body, const Value& context);

 private:
  enum class Flow { Normal, Break, Continue };
  struct Sink {
    std::string* text;
    bool top;  // the template's own output (generation spans are recorded)
  };

  Flow exec_body(const Body& body, const ScopePtr& scope, Sink& sink);
  Flow exec(const Node& node, const ScopePtr& scope, Sink& sink);
  Flow exec_for(const Node& node, const ScopePtr& scope, Sink& sink);
  void exec_set(const Node& node, const ScopePtr& scope);
  std::string capture(const Body& body, const ScopePtr& scope);
  void assign(const Node& node, const Value& value, const ScopePtr& scope);
  Value make_macro(const Node& node, const ScopePtr& scope);
  Value call_macro(const Node& node, const ScopePtr& defined_in, CallArgs& args);

  // Expressions (interpreter_expressions.cpp).
  Value eval(const Expr& e, const ScopePtr& scope);
  Value eval_inner(const Expr& e, const ScopePtr& scope);
  Value lookup(const std::string& name, const Scope& scope) const;
  CallArgs eval_args(const Expr& e, const ScopePtr& scope);
  Value filter_chain(const Expr& e, const Value& input, const ScopePtr& scope);
  [[noreturn]] void rethrow_at(size_t offset, const Failure& f) const;

  const SourceText& src_;
  std::vector<std::pair<size_t, size_t>> spans_;
  int macro_depth_ = 0;
};

}  // namespace vlsi::text::jinja
