#include "vlsi/text/jinja/interpreter.h"

#include "vlsi/io/error.h"
#include "vlsi/text/jinja/operators.h"
#include "vlsi/text/jinja/py_format.h"

namespace vlsi::text::jinja {
namespace {

// Deeper macro recursion fails instead of exhausting the stack.
constexpr int kMaxMacroDepth = 200;

// jinja2's loop object for iteration `i` of `items`.
Value loop_object(const std::vector<Value>& items, size_t i) {
  const auto n = static_cast<int64_t>(items.size());
  const auto k = static_cast<int64_t>(i);
  Value loop = Value::dict();
  auto& d = loop.entries().items;
  d.emplace_back(Value("index"), Value(k + 1));
  d.emplace_back(Value("index0"), Value(k));
  d.emplace_back(Value("revindex"), Value(n - k));
  d.emplace_back(Value("revindex0"), Value(n - k - 1));
  d.emplace_back(Value("first"), Value(k == 0));
  d.emplace_back(Value("last"), Value(k == n - 1));
  d.emplace_back(Value("length"), Value(n));
  d.emplace_back(Value("depth"), Value(1));
  d.emplace_back(Value("depth0"), Value(0));
  if (k > 0) d.emplace_back(Value("previtem"), items[i - 1]);
  if (k + 1 < n) d.emplace_back(Value("nextitem"), items[i + 1]);
  d.emplace_back(Value("cycle"), Value::function("loop.cycle", [k](CallArgs& a) {
                   if (a.positional.empty()) throw Failure("no items for cycling given");
                   return a.positional[static_cast<size_t>(k) % a.positional.size()];
                 }));
  return loop;
}

}  // namespace

RenderOutput Interpreter::render(const Body& body, const Value& context) {
  auto root = std::make_shared<Scope>();
  for (const auto& kv : context.entries().items) root->vars[py_str(kv.first)] = kv.second;
  RenderOutput out;
  spans_.clear();
  Sink sink{&out.text, true};
  exec_body(body, root, sink);
  out.generation_spans = std::move(spans_);
  return out;
}

Interpreter::Flow Interpreter::exec_body(const Body& body, const ScopePtr& scope, Sink& sink) {
  for (const auto& node : body) {
    const Flow f = exec(*node, scope, sink);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec(const Node& n, const ScopePtr& scope, Sink& sink) {
  try {
    switch (n.kind) {
      case NodeKind::Text: *sink.text += n.text; return Flow::Normal;
      case NodeKind::Output: *sink.text += py_str(eval(*n.expr, scope)); return Flow::Normal;
      case NodeKind::If:
        for (const auto& branch : n.branches)
          if (eval(*branch.first, scope).truthy()) return exec_body(branch.second, scope, sink);
        return exec_body(n.else_body, scope, sink);
      case NodeKind::For: return exec_for(n, scope, sink);
      case NodeKind::Set:
      case NodeKind::SetBlock: exec_set(n, scope); return Flow::Normal;
      case NodeKind::Macro: scope->vars[n.text] = make_macro(n, scope); return Flow::Normal;
      case NodeKind::Generation: {
        // transformers renders the body as a caller() macro: its own scope.
        const size_t start = sink.text->size();
        exec_body(n.body, std::make_shared<Scope>(scope), sink);
        if (sink.top) spans_.emplace_back(start, sink.text->size());
        return Flow::Normal;
      }
      case NodeKind::FilterBlock: {
        const Value body(capture(n.body, std::make_shared<Scope>(scope)));
        *sink.text += py_str(filter_chain(*n.expr, body, scope));
        return Flow::Normal;
      }
      case NodeKind::With: {
        auto inner = std::make_shared<Scope>(scope);
        for (const auto& p : n.params) inner->vars[p.first] = eval(*p.second, scope);
        return exec_body(n.body, inner, sink);
      }
      case NodeKind::Break: return Flow::Break;
      case NodeKind::Continue: return Flow::Continue;
    }
  } catch (const Failure& f) {
    rethrow_at(n.offset, f);
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec_for(const Node& n, const ScopePtr& scope, Sink& sink) {
  std::vector<Value> items = iterate(eval(*n.expr, scope));
  if (n.cond) {
    std::vector<Value> kept;
    for (auto& item : items) {
      auto inner = std::make_shared<Scope>(scope);
      assign(n, item, inner);
      if (eval(*n.cond, inner).truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    exec_body(n.else_body, scope, sink);
    return Flow::Normal;
  }
  for (size_t i = 0; i < items.size(); ++i) {
    auto inner = std::make_shared<Scope>(scope);
    assign(n, items[i], inner);
    inner->vars["loop"] = loop_object(items, i);
    if (exec_body(n.body, inner, sink) == Flow::Break) break;
  }
  return Flow::Normal;
}

void Interpreter::assign(const Node& n, const Value& value, const ScopePtr& scope) {
  if (!n.unpack) {
    scope->vars[n.targets[0]] = value;
    return;
  }
  const std::vector<Value> parts = iterate(value);
  if (parts.size() != n.targets.size())
    throw Failure(parts.size() < n.targets.size() ? "not enough values to unpack (expected " +
                                                        std::to_string(n.targets.size()) + ", got " +
                                                        std::to_string(parts.size()) + ")"
                                                  : "too many values to unpack (expected " +
                                                        std::to_string(n.targets.size()) + ")");
  for (size_t k = 0; k < parts.size(); ++k) scope->vars[n.targets[k]] = parts[k];
}

void Interpreter::exec_set(const Node& n, const ScopePtr& scope) {
  Value value;
  if (n.kind == NodeKind::Set) {
    value = eval(*n.expr, scope);
  } else {
    value = Value(capture(n.body, scope));
    if (n.expr) value = filter_chain(*n.expr, value, scope);
  }
  if (n.attr.empty()) {
    assign(n, value, scope);
    return;
  }
  const Value* ns = scope->find(n.targets[0]);
  if (!ns || ns->kind() != Kind::Namespace) throw Failure("cannot assign attribute on non-namespace object");
  ns->entries().set(Value(n.attr), value);
}

std::string Interpreter::capture(const Body& body, const ScopePtr& scope) {
  std::string out;
  Sink sink{&out, false};
  exec_body(body, scope, sink);
  return out;
}

Value Interpreter::make_macro(const Node& n, const ScopePtr& scope) {
  // A weak reference: the macro is stored in that very scope.
  std::weak_ptr<Scope> defined_in = scope;
  const Node* node = &n;
  return Value::function(n.text, [this, node, defined_in](CallArgs& args) {
    const ScopePtr outer = defined_in.lock();
    if (!outer) throw Failure("macro '" + node->text + "' called after its scope ended");
    return call_macro(*node, outer, args);
  });
}

Value Interpreter::call_macro(const Node& n, const ScopePtr& defined_in, CallArgs& args) {
  if (args.positional.size() > n.params.size())
    throw Failure("macro '" + n.text + "' takes not more than " + std::to_string(n.params.size()) + " argument(s)");
  for (const auto& kw : args.keyword) {
    bool known = false;
    for (const auto& p : n.params) known = known || p.first == kw.first;
    if (!known) throw Failure("macro '" + n.text + "' takes no keyword argument '" + kw.first + "'");
  }
  if (macro_depth_ >= kMaxMacroDepth) throw Failure("maximum recursion depth exceeded in macro '" + n.text + "'");
  auto inner = std::make_shared<Scope>(defined_in);
  for (size_t k = 0; k < n.params.size(); ++k) {
    const auto& p = n.params[k];
    Value v = args.take(k, p.first.c_str(), Value::undefined("parameter '" + p.first + "' was not provided"));
    if (v.is_undefined() && p.second) v = eval(*p.second, inner);
    inner->vars[p.first] = v;
  }
  ++macro_depth_;
  struct DepthGuard {
    int& depth;
    ~DepthGuard() { --depth; }
  } guard{macro_depth_};
  return Value(capture(n.body, inner));
}

}  // namespace vlsi::text::jinja
