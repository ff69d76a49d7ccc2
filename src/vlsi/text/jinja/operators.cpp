#include "vlsi/text/jinja/operators.h"

#include <cmath>

#include "vlsi/text/jinja/methods.h"
#include "vlsi/text/jinja/py_format.h"
#include "vlsi/text/jinja/py_string.h"

namespace vlsi::text::jinja {
namespace {

std::string no_attribute(const Value& obj, const std::string& name) {
  return "'" + obj.type_name() + " object' has no attribute '" + name + "'";
}

Value method_or_undefined(const Value& obj, const std::string& name) {
  Value m = find_method(obj, name);
  return m.is_undefined() ? Value::undefined(no_attribute(obj, name)) : m;
}

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  a.require_defined();
  b.require_defined();
  throw Failure("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" + b.type_name() + "'");
}

// Python ints do not overflow; int64 ones report it instead of wrapping.
void fail_on_overflow(bool overflow) {
  if (overflow) throw Failure("integer overflow");
}

Value repeat(const Value& seq, int64_t n) {
  if (seq.is_string()) {
    std::string out;
    for (int64_t k = 0; k < n; ++k) out += seq.str();
    return Value(std::move(out));
  }
  std::vector<Value> out;
  for (int64_t k = 0; k < n; ++k) out.insert(out.end(), seq.items().begin(), seq.items().end());
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

Value arithmetic(const std::string& op, const Value& a, const Value& b) {
  const bool ints = a.kind() != Kind::Float && b.kind() != Kind::Float;
  if (op == "/") {
    if (b.as_float() == 0) throw Failure("division by zero");
    return Value(a.as_float() / b.as_float());
  }
  if (ints) {
    const int64_t x = a.as_int(), y = b.as_int();
    int64_t r = 0;
    if (op == "+" || op == "-" || op == "*") {
      fail_on_overflow(op == "+"   ? __builtin_add_overflow(x, y, &r)
                       : op == "-" ? __builtin_sub_overflow(x, y, &r)
                                   : __builtin_mul_overflow(x, y, &r));
      return Value(r);
    }
    if (op == "//" || op == "%") {
      if (y == 0) throw Failure(op == "%" ? "integer modulo by zero" : "integer division or modulo by zero");
      int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        --q;
        m += y;
      }
      return Value(op == "%" ? m : q);
    }
    if (op == "**") {
      if (y < 0) return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
      int64_t acc = 1;
      for (int64_t k = 0; k < y; ++k) fail_on_overflow(__builtin_mul_overflow(acc, x, &acc));
      return Value(acc);
    }
  }
  const double x = a.as_float(), y = b.as_float();
  if (op == "+") return Value(x + y);
  if (op == "-") return Value(x - y);
  if (op == "*") return Value(x * y);
  if (op == "//" || op == "%") {
    if (y == 0) throw Failure("float division by zero");
    double m = std::fmod(x, y);
    if (m != 0 && ((m < 0) != (y < 0))) m += y;
    if (op == "%") return Value(m);
    return Value(std::round((x - m) / y));
  }
  return Value(std::pow(x, y));
}

int64_t index_of(const Value& key) {
  if (key.kind() == Kind::Int || key.kind() == Kind::Bool) return key.as_int();
  throw Failure("indices must be integers");
}

}  // namespace

Value get_attr(const Value& obj, const std::string& name) {
  switch (obj.kind()) {
    case Kind::Undefined: throw Failure(obj.str());
    case Kind::Dict: {
      Value m = find_method(obj, name);
      if (!m.is_undefined()) return m;
      if (const Value* v = obj.entries().find(name)) return *v;
      return Value::undefined(no_attribute(obj, name));
    }
    case Kind::Namespace: {
      if (const Value* v = obj.entries().find(name)) return *v;
      return Value::undefined(no_attribute(obj, name));
    }
    default: return method_or_undefined(obj, name);
  }
}

Value get_item(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Kind::Undefined: throw Failure(obj.str());
    case Kind::Dict:
      if (const Value* v = obj.entries().find(key)) return *v;
      break;
    case Kind::List:
      if (key.kind() == Kind::Int || key.kind() == Kind::Bool) {
        int64_t i = key.as_int();
        const auto n = static_cast<int64_t>(obj.items().size());
        if (i < 0) i += n;
        if (i >= 0 && i < n) return obj.items()[static_cast<size_t>(i)];
        return Value::undefined("'" + obj.type_name() + " object' has no element " + py_repr(key));
      }
      break;
    case Kind::String:
      if (key.kind() == Kind::Int || key.kind() == Kind::Bool) {
        if (auto c = py_char_at(obj.str(), key.as_int())) return Value(*c);
        return Value::undefined("'str object' has no element " + py_repr(key));
      }
      break;
    default: break;
  }
  if (key.is_string()) return obj.kind() == Kind::Dict ? method_or_undefined(obj, key.str()) : get_attr(obj, key.str());
  return Value::undefined("'" + obj.type_name() + " object' has no element " + py_repr(key));
}

Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step) {
  obj.require_defined();
  auto bound = [](const Value& v) -> std::optional<int64_t> {
    if (v.is_undefined() || v.is_none()) return std::nullopt;
    return index_of(v);
  };
  const int64_t s = bound(step).value_or(1);
  if (s == 0) throw Failure("slice step cannot be zero");
  if (obj.is_string()) return Value(py_slice(obj.str(), bound(start), bound(stop), s));
  if (!obj.is_list()) return Value::undefined("'" + obj.type_name() + " object' is not subscriptable");
  std::vector<Value> out;
  for (int64_t i : slice_positions(static_cast<int64_t>(obj.items().size()), bound(start), bound(stop), s))
    out.push_back(obj.items()[static_cast<size_t>(i)]);
  return obj.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

Value binary_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "~") return Value(py_str(a) + py_str(b));
  a.require_defined();
  b.require_defined();
  if (a.is_number() && b.is_number()) return arithmetic(op, a, b);
  if (op == "+") {
    if (a.is_string() && b.is_string()) return Value(a.str() + b.str());
    if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
      std::vector<Value> out = a.items();
      out.insert(out.end(), b.items().begin(), b.items().end());
      return a.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
    }
    if (a.is_string()) throw Failure("can only concatenate str (not \"" + b.type_name() + "\") to str");
  }
  if (op == "*") {
    const bool a_seq = a.is_string() || a.is_list(), b_seq = b.is_string() || b.is_list();
    if (a_seq && (b.kind() == Kind::Int || b.kind() == Kind::Bool)) return repeat(a, b.as_int());
    if (b_seq && (a.kind() == Kind::Int || a.kind() == Kind::Bool)) return repeat(b, a.as_int());
  }
  if (op == "%" && a.is_string()) throw Failure("printf-style string formatting ('%' on a string) is not supported");
  unsupported(op, a, b);
}

Value negate(const Value& v) {
  v.require_defined();
  if (v.kind() == Kind::Float) return Value(-v.as_float());
  if (v.is_number()) return Value(-v.as_int());
  throw Failure("bad operand type for unary -: '" + v.type_name() + "'");
}

Value unary_plus(const Value& v) {
  v.require_defined();
  if (v.kind() == Kind::Float) return v;
  if (v.is_number()) return Value(v.as_int());
  throw Failure("bad operand type for unary +: '" + v.type_name() + "'");
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Kind::Undefined: return false;
    case Kind::String:
      if (!item.is_string()) {
        item.require_defined();
        throw Failure("'in <string>' requires string as left operand, not " + item.type_name());
      }
      return container.str().find(item.str()) != std::string::npos;
    case Kind::List:
      for (const auto& v : container.items())
        if (values_equal(v, item)) return true;
      return false;
    case Kind::Dict: return container.entries().find(item) != nullptr;
    default: throw Failure("argument of type '" + container.type_name() + "' is not iterable");
  }
}

bool compare_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "==") return values_equal(a, b);
  if (op == "!=") return !values_equal(a, b);
  if (op == "in") return contains(b, a);
  if (op == "notin") return !contains(b, a);
  a.require_defined();
  b.require_defined();
  if (op == "<") return value_less(a, b);
  if (op == ">") return value_less(b, a);
  if (op == "<=") return value_less(a, b) || values_equal(a, b);
  if (op == ">=") return value_less(b, a) || values_equal(a, b);
  throw Failure("unknown comparison '" + op + "'");
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined: return {};
    case Kind::List: return v.items();
    case Kind::Dict: {
      std::vector<Value> keys;
      for (const auto& kv : v.entries().items) keys.push_back(kv.first);
      return keys;
    }
    case Kind::String: {
      std::vector<Value> chars;
      const auto offs = code_point_offsets(v.str());
      for (size_t k = 0; k + 1 < offs.size(); ++k) chars.emplace_back(v.str().substr(offs[k], offs[k + 1] - offs[k]));
      return chars;
    }
    default: throw Failure("'" + v.type_name() + "' object is not iterable");
  }
}

int64_t length_of(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined: return 0;
    case Kind::String: return py_len(v.str());
    case Kind::List: return static_cast<int64_t>(v.items().size());
    case Kind::Dict: return static_cast<int64_t>(v.entries().items.size());
    default: throw Failure("object of type '" + v.type_name() + "' has no len()");
  }
}

}  // namespace vlsi::text::jinja
