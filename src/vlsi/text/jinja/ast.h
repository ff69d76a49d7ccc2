#pragma once
// The parsed template: expression and statement nodes. Each node keeps the
// offset of its first token so runtime errors can name line and column.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "vlsi/text/jinja/value.h"

namespace vlsi::text::jinja {

enum class ExprKind {
  Literal,  // literal
  Name,     // name
  List,     // args: items
  Tuple,    // args: items
  Dict,     // args: key0, value0, key1, value1, ...
  Attr,     // args[0].name
  Item,     // args[0][args[1]]
  Slice,    // args[0][args[1]:args[2]:args[3]], absent parts null
  Call,     // args[0](args[1..], kwargs)
  Filter,   // args[0] | name(args[1..], kwargs); args[0] null in {% filter %} and {% set x | f %}
  Test,     // args[0] is name(args[1..], kwargs)
  Not,      // not args[0]
  Neg,      // -args[0]
  Pos,      // +args[0]
  Binary,   // args[0] name args[1], name one of + - * / // % ** ~
  And,      // args[0] and args[1]
  Or,       // args[0] or args[1]
  Compare,  // args[0] ops[0] args[1] ops[1] args[2] ... (==, !=, <, <=, >, >=, in, notin)
  Cond,     // args[0] if args[1] else args[2] (args[2] may be null)
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::Literal;
  size_t offset = 0;
  Value literal;
  std::string name;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;
};

enum class NodeKind {
  Text,         // text
  Output,       // {{ expr }}
  If,           // branches (if and elif), else_body
  For,          // for targets in expr [if cond]: body, else_body
  Set,          // set targets = expr; or set targets[0].attr = expr (namespace)
  SetBlock,     // set targets[0] [| expr filters] : body
  Macro,        // macro text(params): body
  Generation,   // {% generation %} body: transformers' assistant-text marker
  FilterBlock,  // {% filter expr %} body
  With,         // {% with params %} body
  Break,
  Continue,
};

struct Node;
using NodePtr = std::unique_ptr<Node>;
using Body = std::vector<NodePtr>;

struct Node {
  NodeKind kind = NodeKind::Text;
  size_t offset = 0;
  std::string text;                  // Text data; Macro name
  ExprPtr expr, cond;
  std::vector<std::string> targets;  // For / Set names
  bool unpack = false;               // targets written as a tuple
  std::string attr;                  // Set ns.attr
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body body, else_body;
  std::vector<std::pair<std::string, ExprPtr>> params;  // Macro parameters (default or null); With bindings
};

}  // namespace vlsi::text::jinja
