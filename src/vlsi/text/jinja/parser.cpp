#include "vlsi/text/jinja/parser.h"

#include <algorithm>

#include "vlsi/io/error.h"

namespace vlsi::text::jinja {

ExprPtr make_expr(ExprKind kind, size_t offset) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->offset = offset;
  return e;
}

namespace {
NodePtr make_node(NodeKind kind, size_t offset) {
  auto n = std::make_unique<Node>();
  n->kind = kind;
  n->offset = offset;
  return n;
}
}  // namespace

Parser::Parser(const SourceText& source, std::vector<Token> tokens) : src_(source), toks_(std::move(tokens)) {}

namespace {
constexpr int kMaxNesting = 256;
}  // namespace

Parser::NestingGuard::NestingGuard(Parser& p) : parser(p) {
  if (++parser.nesting_ > kMaxNesting) {
    --parser.nesting_;
    parser.fail(parser.cur(), "the template nests deeper than " + std::to_string(kMaxNesting) + " levels");
  }
}

bool Parser::skip_op(const char* op) {
  if (!at_op(op)) return false;
  advance();
  return true;
}

bool Parser::skip_name(const char* name) {
  if (!at_name(name)) return false;
  advance();
  return true;
}

void Parser::expect_op(const char* op) {
  if (!skip_op(op)) fail(cur(), std::string("expected '") + op + "', got " + describe(cur()));
}

void Parser::expect(Tok type) {
  if (cur().type == type) {
    advance();
    return;
  }
  Token want;
  want.type = type;
  fail(cur(), "expected " + describe(want) + ", got " + describe(cur()));
}

std::string Parser::expect_name() {
  if (cur().type != Tok::Name) fail(cur(), "expected a name, got " + describe(cur()));
  return advance().text;
}

void Parser::fail(const Token& at, const std::string& what) const { throw Error(src_.message(at.offset, what)); }

void Parser::fail_unexpected(const Token& at) const { fail(at, "unexpected " + describe(at)); }

std::string Parser::describe(const Token& t) {
  switch (t.type) {
    case Tok::Text: return "template data";
    case Tok::VarBegin: return "'{{'";
    case Tok::VarEnd: return "end of print statement '}}'";
    case Tok::BlockBegin: return "'{%'";
    case Tok::BlockEnd: return "end of statement block '%}'";
    case Tok::Name: return "'" + t.text + "'";
    case Tok::String: return "string";
    case Tok::Integer: return "integer";
    case Tok::Float: return "float";
    case Tok::Op: return "'" + t.text + "'";
    case Tok::End: return "end of template";
  }
  return "token";
}

// The current tag name with the offset of its '{%', for statement positions.
Token Parser::tag_opener() const {
  Token t = cur();
  if (p_ > 0 && toks_[p_ - 1].type == Tok::BlockBegin) t.offset = toks_[p_ - 1].offset;
  return t;
}

Body Parser::parse_template() { return subparse({}, nullptr, nullptr); }

Body Parser::subparse(const std::vector<std::string>& end_tags, const Token* opener, std::string* ended) {
  NestingGuard guard(*this);
  Body body;
  while (true) {
    const Token& t = cur();
    switch (t.type) {
      case Tok::Text: {
        auto n = make_node(NodeKind::Text, t.offset);
        n->text = t.text;
        body.push_back(std::move(n));
        advance();
        break;
      }
      case Tok::VarBegin: {
        auto n = make_node(NodeKind::Output, t.offset);
        advance();
        n->expr = parse_tuple(true, {}, false);
        expect(Tok::VarEnd);
        body.push_back(std::move(n));
        break;
      }
      case Tok::BlockBegin: {
        advance();
        if (cur().type == Tok::Name && std::find(end_tags.begin(), end_tags.end(), cur().text) != end_tags.end()) {
          if (ended) *ended = cur().text;
          return body;
        }
        body.push_back(parse_statement());
        expect(Tok::BlockEnd);
        break;
      }
      case Tok::End: {
        if (opener) {
          std::string want;
          for (size_t k = 0; k < end_tags.size(); ++k) want += (k ? " or '" : "'") + end_tags[k] + "'";
          fail(*opener, "'" + opener->text + "' block is never closed (expected " + want + " before the end of the template)");
        }
        return body;
      }
      default: fail_unexpected(t);
    }
  }
}

NodePtr Parser::parse_statement() {
  const Token& t = cur();  // the tag name, right after '{%' 
  if (t.type != Tok::Name) fail(t, "expected a tag name, got " + describe(t));
  const std::string& tag = t.text;
  if (tag == "for") return parse_for();
  if (tag == "if") return parse_if();
  if (tag == "set") return parse_set();
  if (tag == "macro") return parse_macro();
  if (tag == "generation") return parse_block_with_body(NodeKind::Generation, "endgeneration");
  if (tag == "filter") return parse_block_with_body(NodeKind::FilterBlock, "endfilter");
  if (tag == "with") return parse_with();
  if (tag == "break" || tag == "continue") {
    if (loop_depth_ == 0) fail(t, "'" + tag + "' outside a loop");
    auto n = make_node(tag == "break" ? NodeKind::Break : NodeKind::Continue, tag_opener().offset);
    advance();
    return n;
  }
  static const char* const kUnsupported[] = {"block", "extends", "include", "import", "from", "call", "autoescape"};
  for (const char* u : kUnsupported)
    if (tag == u) fail(t, "the '" + tag + "' tag is not supported");
  static const char* const kClosers[] = {"endfor", "endif", "elif", "else", "endset", "endmacro", "endgeneration",
                                         "endfilter", "endwith", "endraw", "endblock", "endcall"};
  for (const char* c : kClosers)
    if (tag == c) fail(t, "unexpected '" + tag + "': no open block takes it here");
  fail(t, "unknown tag '" + tag + "'");
}

// for/set targets: a name, names separated by commas (optionally in
// parentheses), or for set a namespace attribute "ns.attr".
void Parser::parse_targets(Node& node, bool with_namespace, const char* end_name) {
  const bool parens = skip_op("(");
  while (true) {
    if (!node.targets.empty()) {
      if (!skip_op(",")) break;
      node.unpack = true;
      if ((end_name && at_name(end_name)) || at_op("=") || at_op(")") || cur().type == Tok::BlockEnd) break;
    }
    const Token& name = cur();
    node.targets.push_back(expect_name());
    if (name.text == "true" || name.text == "false" || name.text == "none" || name.text == "True" ||
        name.text == "False" || name.text == "None")
      fail(name, "can't assign to const");
    if (with_namespace && node.targets.size() == 1 && !parens && at_op(".")) {
      advance();
      node.attr = expect_name();
      return;
    }
  }
  if (parens) {
    node.unpack = true;
    expect_op(")");
  }
}

NodePtr Parser::parse_for() {
  const Token opener = tag_opener();
  auto n = make_node(NodeKind::For, opener.offset);
  advance();
  parse_targets(*n, false, "in");
  if (!skip_name("in")) fail(cur(), "expected 'in', got " + describe(cur()));
  n->expr = parse_tuple(false, {"recursive"}, false);
  if (skip_name("if")) n->cond = parse_expression();
  if (at_name("recursive")) fail(cur(), "recursive loops are not supported");
  expect(Tok::BlockEnd);
  std::string ended;
  ++loop_depth_;
  n->body = subparse({"endfor", "else"}, &opener, &ended);
  --loop_depth_;
  if (ended == "else") {
    advance();
    expect(Tok::BlockEnd);
    n->else_body = subparse({"endfor"}, &opener, &ended);
  }
  advance();
  return n;
}

NodePtr Parser::parse_if() {
  const Token opener = tag_opener();
  auto n = make_node(NodeKind::If, opener.offset);
  std::string ended = "if";
  while (ended == "if" || ended == "elif") {
    advance();
    ExprPtr cond = parse_tuple(false, {}, false);
    expect(Tok::BlockEnd);
    Body body = subparse({"elif", "else", "endif"}, &opener, &ended);
    n->branches.emplace_back(std::move(cond), std::move(body));
  }
  if (ended == "else") {
    advance();
    expect(Tok::BlockEnd);
    n->else_body = subparse({"endif"}, &opener, &ended);
  }
  advance();
  return n;
}

NodePtr Parser::parse_set() {
  const Token opener = tag_opener();
  auto n = make_node(NodeKind::Set, opener.offset);
  advance();
  parse_targets(*n, true, nullptr);
  if (skip_op("=")) {
    n->expr = parse_tuple(true, {}, false);
    return n;
  }
  if (n->unpack) fail(cur(), "expected '=', got " + describe(cur()));
  n->kind = NodeKind::SetBlock;
  if (at_op("|")) n->expr = parse_filter(nullptr, false);
  expect(Tok::BlockEnd);
  std::string ended;
  n->body = subparse({"endset"}, &opener, &ended);
  advance();
  return n;
}

NodePtr Parser::parse_macro() {
  const Token opener = tag_opener();
  auto n = make_node(NodeKind::Macro, opener.offset);
  advance();
  n->text = expect_name();
  expect_op("(");
  bool seen_default = false;
  while (!at_op(")")) {
    if (!n->params.empty()) expect_op(",");
    if (at_op(")")) break;
    const Token& p = cur();
    std::string name = expect_name();
    ExprPtr dflt;
    if (skip_op("=")) {
      dflt = parse_expression();
      seen_default = true;
    } else if (seen_default) {
      fail(p, "non-default argument follows default argument");
    }
    n->params.emplace_back(std::move(name), std::move(dflt));
  }
  expect_op(")");
  expect(Tok::BlockEnd);
  const int outer_loops = loop_depth_;
  loop_depth_ = 0;
  std::string ended;
  n->body = subparse({"endmacro"}, &opener, &ended);
  loop_depth_ = outer_loops;
  advance();
  return n;
}

// {% generation %} and {% filter f | g %}: a body up to the end tag.
NodePtr Parser::parse_block_with_body(NodeKind kind, const char* end_tag) {
  const Token opener = tag_opener();
  auto n = make_node(kind, opener.offset);
  advance();
  if (kind == NodeKind::FilterBlock) n->expr = parse_filter(nullptr, true);
  expect(Tok::BlockEnd);
  std::string ended;
  n->body = subparse({end_tag}, &opener, &ended);
  advance();
  return n;
}

NodePtr Parser::parse_with() {
  const Token opener = tag_opener();
  auto n = make_node(NodeKind::With, opener.offset);
  advance();
  while (cur().type != Tok::BlockEnd) {
    if (!n->params.empty()) expect_op(",");
    std::string name = expect_name();
    expect_op("=");
    n->params.emplace_back(std::move(name), parse_expression());
  }
  expect(Tok::BlockEnd);
  std::string ended;
  n->body = subparse({"endwith"}, &opener, &ended);
  advance();
  return n;
}

}  // namespace vlsi::text::jinja
