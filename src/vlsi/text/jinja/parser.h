#pragma once
// Recursive-descent parser from tokens to the AST, with jinja2's grammar and
// operator precedence (lowest first): "x if c else y", or, and, not,
// comparisons and in / not in, + -, ~, * / // %, **, unary - +, then
// attribute, subscript, call, filter (|) and test (is).
// Unknown filters and tests are errors at parse time, as in jinja2.
#include <string>
#include <vector>

#include "vlsi/text/jinja/ast.h"
#include "vlsi/text/jinja/lexer.h"
#include "vlsi/text/jinja/source_text.h"

namespace vlsi::text::jinja {

class Parser {
 public:
  Parser(const SourceText& source, std::vector<Token> tokens);
  // The whole template; throws vlsi::Error "name:line:col: what".
  Body parse_template();

 private:
  // Token stream.
  const Token& cur() const { return toks_[p_]; }
  const Token& peek() const { return toks_[p_ + 1 < toks_.size() ? p_ + 1 : p_]; }
  const Token& advance() { return toks_[p_ < toks_.size() - 1 ? p_++ : p_]; }
  bool at_op(const char* op) const { return cur().type == Tok::Op && cur().text == op; }
  bool at_name(const char* name) const { return cur().type == Tok::Name && cur().text == name; }
  bool skip_op(const char* op);
  bool skip_name(const char* name);
  void expect_op(const char* op);
  void expect(Tok type);
  std::string expect_name();
  [[noreturn]] void fail(const Token& at, const std::string& what) const;
  [[noreturn]] void fail_unexpected(const Token& at) const;
  static std::string describe(const Token& t);

  // Statements (parser.cpp).
  // Body up to a {% tag %} named in `end_tags` (left as the current token, its
  // name returned in `ended`); `opener` names the block for the unclosed error.
  Body subparse(const std::vector<std::string>& end_tags, const Token* opener, std::string* ended);
  NodePtr parse_statement();
  Token tag_opener() const;
  NodePtr parse_for();
  NodePtr parse_if();
  NodePtr parse_set();
  NodePtr parse_macro();
  NodePtr parse_block_with_body(NodeKind kind, const char* end_tag);
  NodePtr parse_with();
  void parse_targets(Node& node, bool with_namespace, const char* end_name);

  // Expressions (parser_expressions.cpp).
  ExprPtr parse_tuple(bool with_condexpr, const std::vector<std::string>& extra_end, bool explicit_parens);
  ExprPtr parse_expression(bool with_condexpr = true);
  ExprPtr parse_condexpr();
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr parse_primary();
  ExprPtr parse_postfix(ExprPtr node);
  ExprPtr parse_filter_expr(ExprPtr node);
  ExprPtr parse_subscript(ExprPtr node);
  ExprPtr parse_subscribed();
  void parse_call_args(Expr& into);
  ExprPtr parse_call(ExprPtr node);
  ExprPtr parse_filter(ExprPtr node, bool start_inline);
  ExprPtr parse_test(ExprPtr node);
  ExprPtr parse_list();
  ExprPtr parse_dict();
  bool is_tuple_end(const std::vector<std::string>& extra_end) const;
  std::string parse_dotted_name();

  // Bounds nesting (parentheses, blocks) so a pathological template fails
  // with an error instead of exhausting the stack.
  struct NestingGuard {
    NestingGuard(Parser& p);
    ~NestingGuard() { --parser.nesting_; }
    Parser& parser;
  };

  const SourceText& src_;
  std::vector<Token> toks_;
  size_t p_ = 0;
  int loop_depth_ = 0;
  int nesting_ = 0;
};

// Builds an expression node of `kind` at `offset`.
ExprPtr make_expr(ExprKind kind, size_t offset);

}  // namespace vlsi::text::jinja
