// Expression evaluation half of the interpreter.
#include "vlsi/io/error.h"
#include "vlsi/text/jinja/builtins.h"
#include "vlsi/text/jinja/filters.h"
#include "vlsi/text/jinja/interpreter.h"
#include "vlsi/text/jinja/operators.h"
#include "vlsi/text/jinja/predicates.h"

namespace vlsi::text::jinja {

void Interpreter::rethrow_at(size_t offset, const Failure& f) const { throw Error(src_.message(offset, f.what())); }

Value Interpreter::eval(const Expr& e, const ScopePtr& scope) {
  try {
    return eval_inner(e, scope);
  } catch (const Failure& f) {
    rethrow_at(e.offset, f);
  }
}

Value Interpreter::lookup(const std::string& name, const Scope& scope) const {
  if (const Value* v = scope.find(name)) return *v;
  if (const Value* v = find_builtin(name)) return *v;
  return Value::undefined("'" + name + "' is undefined");
}

CallArgs Interpreter::eval_args(const Expr& e, const ScopePtr& scope) {
  CallArgs args;
  for (size_t k = 1; k < e.args.size(); ++k) args.positional.push_back(eval(*e.args[k], scope));
  for (const auto& kw : e.kwargs) args.keyword.emplace_back(kw.first, eval(*kw.second, scope));
  return args;
}

Value Interpreter::filter_chain(const Expr& e, const Value& input, const ScopePtr& scope) {
  const Value in = e.args[0] ? filter_chain(*e.args[0], input, scope) : input;
  CallArgs args = eval_args(e, scope);
  try {
    return apply_filter(e.name, in, args);
  } catch (const Failure& f) {
    rethrow_at(e.offset, f);
  }
}

Value Interpreter::eval_inner(const Expr& e, const ScopePtr& scope) {
  switch (e.kind) {
    case ExprKind::Literal: return e.literal;
    case ExprKind::Name: return lookup(e.name, *scope);
    case ExprKind::List:
    case ExprKind::Tuple: {
      std::vector<Value> items;
      items.reserve(e.args.size());
      for (const auto& a : e.args) items.push_back(eval(*a, scope));
      return e.kind == ExprKind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case ExprKind::Dict: {
      Value d = Value::dict();
      for (size_t k = 0; k + 1 < e.args.size(); k += 2) {
        Value key = eval(*e.args[k], scope);
        if (key.is_list() && !key.is_tuple()) throw Failure("unhashable type: 'list'");
        if (key.is_dict()) throw Failure("unhashable type: 'dict'");
        d.entries().set(std::move(key), eval(*e.args[k + 1], scope));
      }
      return d;
    }
    case ExprKind::Attr: return get_attr(eval(*e.args[0], scope), e.name);
    case ExprKind::Item: {
      const Value obj = eval(*e.args[0], scope);
      return get_item(obj, eval(*e.args[1], scope));
    }
    case ExprKind::Slice: {
      const Value obj = eval(*e.args[0], scope);
      auto part = [&](size_t k) { return e.args[k] ? eval(*e.args[k], scope) : Value::none(); };
      const Value start = part(1), stop = part(2), step = part(3);
      return get_slice(obj, start, stop, step);
    }
    case ExprKind::Call: {
      const Value callee = eval(*e.args[0], scope);
      CallArgs args = eval_args(e, scope);
      return callee.call(args);
    }
    case ExprKind::Filter: {
      const Value input = eval(*e.args[0], scope);
      CallArgs args = eval_args(e, scope);
      return apply_filter(e.name, input, args);
    }
    case ExprKind::Test: {
      const Value subject = eval(*e.args[0], scope);
      CallArgs args = eval_args(e, scope);
      return Value(apply_test(e.name, subject, args));
    }
    case ExprKind::Not: return Value(!eval(*e.args[0], scope).truthy());
    case ExprKind::Neg: return negate(eval(*e.args[0], scope));
    case ExprKind::Pos: return unary_plus(eval(*e.args[0], scope));
    case ExprKind::Binary: {
      const Value a = eval(*e.args[0], scope);
      return binary_op(e.name, a, eval(*e.args[1], scope));
    }
    case ExprKind::And: {
      Value a = eval(*e.args[0], scope);
      return a.truthy() ? eval(*e.args[1], scope) : a;
    }
    case ExprKind::Or: {
      Value a = eval(*e.args[0], scope);
      return a.truthy() ? a : eval(*e.args[1], scope);
    }
    case ExprKind::Compare: {
      Value left = eval(*e.args[0], scope);
      for (size_t k = 0; k < e.ops.size(); ++k) {
        Value right = eval(*e.args[k + 1], scope);
        if (!compare_op(e.ops[k], left, right)) return Value(false);
        left = std::move(right);
      }
      return Value(true);
    }
    case ExprKind::Cond:
      if (eval(*e.args[1], scope).truthy()) return eval(*e.args[0], scope);
      if (e.args[2]) return eval(*e.args[2], scope);
      return Value::undefined("the inline if-expression evaluated to false and no else section was defined.");
  }
  throw Failure("unknown expression");
}

}  // namespace vlsi::text::jinja
