#pragma once
// Python semantics of the operators and accessors a template uses, with
// jinja2's lookup rules: x.name tries the attribute (a method) and then the
// item; x[key] tries the item and then the attribute; a missing one is
// Undefined (which only fails when used), but any access on an Undefined
// fails at once. All failures are Failure exceptions.
#include <optional>
#include <string>
#include <vector>

#include "vlsi/text/jinja/value.h"

namespace vlsi::text::jinja {

Value get_attr(const Value& obj, const std::string& name);
Value get_item(const Value& obj, const Value& key);
Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step);

// + - * / // % ** and ~ (string concatenation).
Value binary_op(const std::string& op, const Value& a, const Value& b);
Value negate(const Value& v);
Value unary_plus(const Value& v);
// ==, !=, <, <=, >, >=, in, notin.
bool compare_op(const std::string& op, const Value& a, const Value& b);
// `item in container`.
bool contains(const Value& container, const Value& item);

// Python iteration: list/tuple items, dict keys, string code points; an
// undefined value iterates as empty.
std::vector<Value> iterate(const Value& v);
// len(v); an undefined value has length 0.
int64_t length_of(const Value& v);

}  // namespace vlsi::text::jinja
