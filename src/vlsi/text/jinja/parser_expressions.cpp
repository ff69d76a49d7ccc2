// Expression half of the parser (see parser.h for the precedence ladder).
#include "vlsi/text/jinja/filters.h"
#include "vlsi/text/jinja/parser.h"
#include "vlsi/text/jinja/predicates.h"

namespace vlsi::text::jinja {
namespace {

ExprPtr unary(ExprKind kind, size_t offset, ExprPtr operand) {
  auto e = make_expr(kind, offset);
  e->args.push_back(std::move(operand));
  return e;
}

ExprPtr binary(ExprKind kind, size_t offset, const std::string& op, ExprPtr left, ExprPtr right) {
  auto e = make_expr(kind, offset);
  e->name = op;
  e->args.push_back(std::move(left));
  e->args.push_back(std::move(right));
  return e;
}

}  // namespace

bool Parser::is_tuple_end(const std::vector<std::string>& extra_end) const {
  const Token& t = cur();
  if (t.type == Tok::VarEnd || t.type == Tok::BlockEnd || (t.type == Tok::Op && t.text == ")")) return true;
  for (const auto& name : extra_end)
    if (t.type == Tok::Name && t.text == name) return true;
  return false;
}

ExprPtr Parser::parse_tuple(bool with_condexpr, const std::vector<std::string>& extra_end, bool explicit_parens) {
  const size_t offset = cur().offset;
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  while (true) {
    if (!items.empty()) expect_op(",");
    if (is_tuple_end(extra_end)) break;
    items.push_back(parse_expression(with_condexpr));
    if (at_op(",")) is_tuple = true;
    else break;
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items[0]);
    if (!explicit_parens) fail(cur(), "expected an expression, got " + describe(cur()));
  }
  auto e = make_expr(ExprKind::Tuple, offset);
  e->args = std::move(items);
  return e;
}

ExprPtr Parser::parse_expression(bool with_condexpr) {
  NestingGuard guard(*this);
  return with_condexpr ? parse_condexpr() : parse_or();
}

ExprPtr Parser::parse_condexpr() {
  const size_t offset = cur().offset;
  ExprPtr expr = parse_or();
  while (skip_name("if")) {
    auto e = make_expr(ExprKind::Cond, offset);
    ExprPtr cond = parse_or();
    ExprPtr otherwise = skip_name("else") ? parse_condexpr() : nullptr;
    e->args.push_back(std::move(expr));
    e->args.push_back(std::move(cond));
    e->args.push_back(std::move(otherwise));
    expr = std::move(e);
  }
  return expr;
}

ExprPtr Parser::parse_or() {
  ExprPtr left = parse_and();
  while (at_name("or")) {
    const size_t offset = advance().offset;
    left = binary(ExprKind::Or, offset, "or", std::move(left), parse_and());
  }
  return left;
}

ExprPtr Parser::parse_and() {
  ExprPtr left = parse_not();
  while (at_name("and")) {
    const size_t offset = advance().offset;
    left = binary(ExprKind::And, offset, "and", std::move(left), parse_not());
  }
  return left;
}

ExprPtr Parser::parse_not() {
  if (at_name("not")) {
    const size_t offset = advance().offset;
    return unary(ExprKind::Not, offset, parse_not());
  }
  return parse_compare();
}

ExprPtr Parser::parse_compare() {
  const size_t offset = cur().offset;
  ExprPtr first = parse_math1();
  std::vector<std::string> ops;
  std::vector<ExprPtr> operands;
  while (true) {
    const Token& t = cur();
    if (t.type == Tok::Op && (t.text == "==" || t.text == "!=" || t.text == "<" || t.text == "<=" || t.text == ">" ||
                              t.text == ">=")) {
      ops.push_back(advance().text);
    } else if (skip_name("in")) {
      ops.push_back("in");
    } else if (at_name("not") && peek().type == Tok::Name && peek().text == "in") {
      advance();
      advance();
      ops.push_back("notin");
    } else {
      break;
    }
    operands.push_back(parse_math1());
  }
  if (ops.empty()) return first;
  auto e = make_expr(ExprKind::Compare, offset);
  e->args.push_back(std::move(first));
  for (auto& o : operands) e->args.push_back(std::move(o));
  e->ops = std::move(ops);
  return e;
}

ExprPtr Parser::parse_math1() {
  ExprPtr left = parse_concat();
  while (at_op("+") || at_op("-")) {
    const Token& op = advance();
    left = binary(ExprKind::Binary, op.offset, op.text, std::move(left), parse_concat());
  }
  return left;
}

ExprPtr Parser::parse_concat() {
  ExprPtr left = parse_math2();
  while (at_op("~")) {
    const size_t offset = advance().offset;
    left = binary(ExprKind::Binary, offset, "~", std::move(left), parse_math2());
  }
  return left;
}

ExprPtr Parser::parse_math2() {
  ExprPtr left = parse_pow();
  while (at_op("*") || at_op("/") || at_op("//") || at_op("%")) {
    const Token& op = advance();
    left = binary(ExprKind::Binary, op.offset, op.text, std::move(left), parse_pow());
  }
  return left;
}

ExprPtr Parser::parse_pow() {
  ExprPtr left = parse_unary(true);
  while (at_op("**")) {
    const size_t offset = advance().offset;
    left = binary(ExprKind::Binary, offset, "**", std::move(left), parse_unary(true));
  }
  return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
  NestingGuard guard(*this);  // "- - - x" recurses here without parse_expression
  ExprPtr node;
  if (at_op("-") || at_op("+")) {
    const Token& op = advance();
    node = unary(op.text == "-" ? ExprKind::Neg : ExprKind::Pos, op.offset, parse_unary(false));
  } else {
    node = parse_primary();
  }
  node = parse_postfix(std::move(node));
  if (with_filter) node = parse_filter_expr(std::move(node));
  return node;
}

ExprPtr Parser::parse_primary() {
  const Token& t = cur();
  switch (t.type) {
    case Tok::Name: {
      advance();
      auto e = make_expr(ExprKind::Literal, t.offset);
      if (t.text == "true" || t.text == "True") e->literal = Value(true);
      else if (t.text == "false" || t.text == "False") e->literal = Value(false);
      else if (t.text == "none" || t.text == "None") e->literal = Value::none();
      else {
        e->kind = ExprKind::Name;
        e->name = t.text;
      }
      return e;
    }
    case Tok::String: {
      auto e = make_expr(ExprKind::Literal, t.offset);
      std::string s;
      while (cur().type == Tok::String) s += advance().text;  // adjacent literals concatenate
      e->literal = Value(std::move(s));
      return e;
    }
    case Tok::Integer:
    case Tok::Float: {
      advance();
      auto e = make_expr(ExprKind::Literal, t.offset);
      e->literal = t.type == Tok::Integer ? Value(t.integer) : Value(t.number);
      return e;
    }
    case Tok::Op:
      if (t.text == "(") {
        advance();
        ExprPtr e = parse_tuple(true, {}, true);
        expect_op(")");
        return e;
      }
      if (t.text == "[") return parse_list();
      if (t.text == "{") return parse_dict();
      break;
    default: break;
  }
  fail_unexpected(t);
}

ExprPtr Parser::parse_list() {
  auto e = make_expr(ExprKind::List, advance().offset);
  while (!at_op("]")) {
    if (!e->args.empty()) expect_op(",");
    if (at_op("]")) break;
    e->args.push_back(parse_expression());
  }
  expect_op("]");
  return e;
}

ExprPtr Parser::parse_dict() {
  auto e = make_expr(ExprKind::Dict, advance().offset);
  while (!at_op("}")) {
    if (!e->args.empty()) expect_op(",");
    if (at_op("}")) break;
    e->args.push_back(parse_expression());
    expect_op(":");
    e->args.push_back(parse_expression());
  }
  expect_op("}");
  return e;
}

ExprPtr Parser::parse_postfix(ExprPtr node) {
  while (true) {
    if (at_op(".") || at_op("[")) node = parse_subscript(std::move(node));
    else if (at_op("(")) node = parse_call(std::move(node));
    else return node;
  }
}

ExprPtr Parser::parse_filter_expr(ExprPtr node) {
  while (true) {
    if (at_op("|")) node = parse_filter(std::move(node), false);
    else if (at_name("is")) node = parse_test(std::move(node));
    else if (at_op("(")) node = parse_call(std::move(node));
    else return node;
  }
}

ExprPtr Parser::parse_subscript(ExprPtr node) {
  const Token& open = advance();
  if (open.text == ".") {
    const Token& t = cur();
    if (t.type == Tok::Name) {
      advance();
      auto e = make_expr(ExprKind::Attr, open.offset);
      e->name = t.text;
      e->args.push_back(std::move(node));
      return e;
    }
    if (t.type != Tok::Integer) fail(t, "expected name or number");
    advance();
    auto e = make_expr(ExprKind::Item, open.offset);
    auto index = make_expr(ExprKind::Literal, t.offset);
    index->literal = Value(t.integer);
    e->args.push_back(std::move(node));
    e->args.push_back(std::move(index));
    return e;
  }
  std::vector<ExprPtr> subs;
  while (!at_op("]")) {
    if (!subs.empty()) expect_op(",");
    subs.push_back(parse_subscribed());
  }
  expect_op("]");
  if (subs.empty()) fail(open, "expected subscript expression");
  if (subs.size() == 1 && subs[0]->kind == ExprKind::Slice) {
    subs[0]->args[0] = std::move(node);
    return std::move(subs[0]);
  }
  for (const auto& s : subs)
    if (s->kind == ExprKind::Slice) fail(open, "multi-dimensional slices are not supported");
  auto e = make_expr(ExprKind::Item, open.offset);
  e->args.push_back(std::move(node));
  if (subs.size() == 1) {
    e->args.push_back(std::move(subs[0]));
  } else {
    auto tuple = make_expr(ExprKind::Tuple, open.offset);
    tuple->args = std::move(subs);
    e->args.push_back(std::move(tuple));
  }
  return e;
}

// One subscript: an expression or a slice start:stop:step (object left null).
ExprPtr Parser::parse_subscribed() {
  const size_t offset = cur().offset;
  ExprPtr start;
  if (!skip_op(":")) {
    ExprPtr e = parse_expression();
    if (!skip_op(":")) return e;
    start = std::move(e);
  }
  auto at_part_end = [&] { return at_op("]") || at_op(",") || at_op(":"); };
  auto slice = make_expr(ExprKind::Slice, offset);
  slice->args.push_back(nullptr);
  slice->args.push_back(std::move(start));
  slice->args.push_back(at_part_end() ? nullptr : parse_expression());
  ExprPtr step;
  if (skip_op(":") && !at_part_end()) step = parse_expression();
  slice->args.push_back(std::move(step));
  return slice;
}

void Parser::parse_call_args(Expr& into) {
  expect_op("(");
  while (!at_op(")")) {
    if (into.args.size() > 1 || !into.kwargs.empty()) {
      expect_op(",");
      if (at_op(")")) break;
    }
    if (at_op("*") || at_op("**")) fail(cur(), "*args and **kwargs in calls are not supported");
    if (cur().type == Tok::Name && peek().type == Tok::Op && peek().text == "=") {
      std::string key = advance().text;
      advance();
      into.kwargs.emplace_back(std::move(key), parse_expression());
    } else {
      if (!into.kwargs.empty()) fail(cur(), "positional argument follows keyword argument");
      into.args.push_back(parse_expression());
    }
  }
  expect_op(")");
}

ExprPtr Parser::parse_call(ExprPtr node) {
  auto e = make_expr(ExprKind::Call, node->offset);  // errors point at what is called
  e->args.push_back(std::move(node));
  parse_call_args(*e);
  return e;
}

std::string Parser::parse_dotted_name() {
  std::string name = expect_name();
  while (skip_op(".")) name += "." + expect_name();
  return name;
}

ExprPtr Parser::parse_filter(ExprPtr node, bool start_inline) {
  while (at_op("|") || start_inline) {
    if (!start_inline) advance();
    start_inline = false;
    const Token& t = cur();
    auto e = make_expr(ExprKind::Filter, t.offset);
    e->name = parse_dotted_name();
    if (!is_known_filter(e->name)) fail(t, "no filter named '" + e->name + "'");
    e->args.push_back(std::move(node));
    if (at_op("(")) parse_call_args(*e);
    node = std::move(e);
  }
  return node;
}

ExprPtr Parser::parse_test(ExprPtr node) {
  const size_t is_offset = advance().offset;
  const bool negated = skip_name("not");
  const Token& t = cur();
  auto e = make_expr(ExprKind::Test, t.offset);
  e->name = parse_dotted_name();
  if (!is_known_test(e->name)) fail(t, "no test named '" + e->name + "'");
  e->args.push_back(std::move(node));
  const Token& a = cur();
  if (at_op("(")) {
    parse_call_args(*e);
  } else if ((a.type == Tok::Name || a.type == Tok::String || a.type == Tok::Integer || a.type == Tok::Float ||
              at_op("(") || at_op("[") || at_op("{")) &&
             !at_name("else") && !at_name("or") && !at_name("and")) {
    if (at_name("is")) fail(a, "you cannot chain multiple tests with is");
    e->args.push_back(parse_postfix(parse_primary()));
  }
  return negated ? unary(ExprKind::Not, is_offset, std::move(e)) : std::move(e);
}

}  // namespace vlsi::text::jinja
