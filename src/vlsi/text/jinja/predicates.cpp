#include "vlsi/text/jinja/predicates.h"

#include <map>

#include "vlsi/text/jinja/operators.h"
#include "vlsi/text/jinja/py_string.h"

namespace vlsi::text::jinja {
namespace {

using TestFn = bool (*)(const Value&, CallArgs&);

bool no_args(CallArgs& a, const char* name) {
  a.finish(name);
  return true;
}

int64_t integer_of(const Value& v, const char* test) {
  if (v.kind() == Kind::Int || v.kind() == Kind::Bool) return v.as_int();
  v.require_defined();
  throw Failure(std::string("the '") + test + "' test needs an integer, got " + v.type_name());
}

bool compare_test(const char* op, const Value& v, CallArgs& a, const char* name) {
  const Value other = a.take(0, "other");
  a.finish(name);
  return compare_op(op, v, other);
}

const std::map<std::string, TestFn>& test_table() {
  static const std::map<std::string, TestFn> table = {
      {"defined", [](const Value& v, CallArgs& a) { return no_args(a, "defined") && !v.is_undefined(); }},
      {"undefined", [](const Value& v, CallArgs& a) { return no_args(a, "undefined") && v.is_undefined(); }},
      {"none", [](const Value& v, CallArgs& a) { return no_args(a, "none") && v.is_none(); }},
      {"boolean", [](const Value& v, CallArgs& a) { return no_args(a, "boolean") && v.kind() == Kind::Bool; }},
      {"true", [](const Value& v, CallArgs& a) { return no_args(a, "true") && v.kind() == Kind::Bool && v.as_bool(); }},
      {"false",
       [](const Value& v, CallArgs& a) { return no_args(a, "false") && v.kind() == Kind::Bool && !v.as_bool(); }},
      {"integer", [](const Value& v, CallArgs& a) { return no_args(a, "integer") && v.kind() == Kind::Int; }},
      {"float", [](const Value& v, CallArgs& a) { return no_args(a, "float") && v.kind() == Kind::Float; }},
      {"number", [](const Value& v, CallArgs& a) { return no_args(a, "number") && v.is_number(); }},
      {"string", [](const Value& v, CallArgs& a) { return no_args(a, "string") && v.is_string(); }},
      {"mapping", [](const Value& v, CallArgs& a) { return no_args(a, "mapping") && v.is_dict(); }},
      {"iterable",
       [](const Value& v, CallArgs& a) {
         return no_args(a, "iterable") && (v.is_undefined() || v.is_string() || v.is_list() || v.is_dict());
       }},
      {"sequence",
       [](const Value& v, CallArgs& a) {
         return no_args(a, "sequence") && (v.is_undefined() || v.is_string() || v.is_list() || v.is_dict());
       }},
      {"callable", [](const Value& v, CallArgs& a) { return no_args(a, "callable") && v.kind() == Kind::Function; }},
      {"sameas",
       [](const Value& v, CallArgs& a) {
         const Value other = a.take(0, "other");
         a.finish("sameas");
         return v.same_as(other);
       }},
      {"lower", [](const Value& v, CallArgs& a) { return no_args(a, "lower") && v.is_string() && py_is_lower(v.str()); }},
      {"upper", [](const Value& v, CallArgs& a) { return no_args(a, "upper") && v.is_string() && py_is_upper(v.str()); }},
      {"odd", [](const Value& v, CallArgs& a) { return no_args(a, "odd") && integer_of(v, "odd") % 2 != 0; }},
      {"even", [](const Value& v, CallArgs& a) { return no_args(a, "even") && integer_of(v, "even") % 2 == 0; }},
      {"divisibleby",
       [](const Value& v, CallArgs& a) {
         const int64_t n = integer_of(a.take(0, "num"), "divisibleby");
         a.finish("divisibleby");
         if (n == 0) throw Failure("integer division or modulo by zero");
         return integer_of(v, "divisibleby") % n == 0;
       }},
      {"eq", [](const Value& v, CallArgs& a) { return compare_test("==", v, a, "eq"); }},
      {"equalto", [](const Value& v, CallArgs& a) { return compare_test("==", v, a, "equalto"); }},
      {"==", [](const Value& v, CallArgs& a) { return compare_test("==", v, a, "=="); }},
      {"ne", [](const Value& v, CallArgs& a) { return compare_test("!=", v, a, "ne"); }},
      {"!=", [](const Value& v, CallArgs& a) { return compare_test("!=", v, a, "!="); }},
      {"lt", [](const Value& v, CallArgs& a) { return compare_test("<", v, a, "lt"); }},
      {"lessthan", [](const Value& v, CallArgs& a) { return compare_test("<", v, a, "lessthan"); }},
      {"<", [](const Value& v, CallArgs& a) { return compare_test("<", v, a, "<"); }},
      {"le", [](const Value& v, CallArgs& a) { return compare_test("<=", v, a, "le"); }},
      {"<=", [](const Value& v, CallArgs& a) { return compare_test("<=", v, a, "<="); }},
      {"gt", [](const Value& v, CallArgs& a) { return compare_test(">", v, a, "gt"); }},
      {"greaterthan", [](const Value& v, CallArgs& a) { return compare_test(">", v, a, "greaterthan"); }},
      {">", [](const Value& v, CallArgs& a) { return compare_test(">", v, a, ">"); }},
      {"ge", [](const Value& v, CallArgs& a) { return compare_test(">=", v, a, "ge"); }},
      {">=", [](const Value& v, CallArgs& a) { return compare_test(">=", v, a, ">="); }},
      {"in",
       [](const Value& v, CallArgs& a) {
         const Value seq = a.take(0, "seq");
         a.finish("in");
         return contains(seq, v);
       }},
  };
  return table;
}

}  // namespace

bool is_known_test(const std::string& name) { return test_table().count(name) != 0; }

bool apply_test(const std::string& name, const Value& v, CallArgs& args) {
  const auto it = test_table().find(name);
  if (it == test_table().end()) throw Failure("no test named '" + name + "'");
  return it->second(v, args);
}

}  // namespace vlsi::text::jinja
