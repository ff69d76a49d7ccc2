#pragma once
// A Jinja value: what a Python object is to jinja2, restricted to the types a
// chat template meets (JSON data, namespaces, loop objects, functions).
// Lists, dicts and namespaces are shared by reference like Python objects;
// dicts keep insertion order like Python's. Undefined carries the message
// jinja2 would raise when the value is used in a way Undefined forbids.
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace vlsi::text::jinja {

// A failure while evaluating: the interpreter adds the template position.
class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Value;
struct ListData;
struct DictData;
struct CallArgs;
using NativeFunction = std::function<Value(CallArgs&)>;

enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Function };

class Value {
 public:
  Value() = default;  // undefined
  Value(bool b) : kind_(Kind::Bool), b_(b) {}
  Value(int v) : kind_(Kind::Int), i_(v) {}
  Value(int64_t v) : kind_(Kind::Int), i_(v) {}
  Value(double v) : kind_(Kind::Float), f_(v) {}
  Value(std::string s) : kind_(Kind::String), s_(std::move(s)) {}
  Value(const char* s) : kind_(Kind::String), s_(s) {}

  // `hint` is the message of the error raised when the value is misused,
  // e.g. "'foo' is undefined" or "'dict object' has no attribute 'x'".
  static Value undefined(std::string hint);
  static Value none();
  static Value list(std::vector<Value> items = {});
  static Value tuple(std::vector<Value> items);
  static Value dict();
  static Value make_namespace();
  // `name` shows in messages; `call` receives the arguments.
  static Value function(std::string name, NativeFunction call);

  template <typename Json>
  static Value from_json(const Json& j);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_int() const { return kind_ == Kind::Int; }
  // Python's numbers: bool, int, float.
  bool is_number() const { return kind_ == Kind::Bool || kind_ == Kind::Int || kind_ == Kind::Float; }
  bool is_list() const { return kind_ == Kind::List; }  // lists and tuples
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_tuple() const;

  bool as_bool() const { return b_; }
  int64_t as_int() const { return kind_ == Kind::Bool ? (b_ ? 1 : 0) : i_; }  // bool or int
  double as_float() const { return kind_ == Kind::Float ? f_ : static_cast<double>(as_int()); }
  const std::string& str() const { return s_; }  // string value, or an undefined's hint
  std::vector<Value>& items() const;              // list or tuple
  DictData& entries() const;                      // dict or namespace
  const std::string& function_name() const { return s_; }
  Value call(CallArgs& args) const;

  // Python's truth value.
  bool truthy() const;
  // Python's type name, as in "'dict object' has no attribute 'x'".
  std::string type_name() const;
  // Throws Failure(hint) for an undefined value.
  void require_defined() const;
  // Same object (Python's "is"): identity for containers, equality for scalars.
  bool same_as(const Value& other) const;

 private:
  Kind kind_ = Kind::Undefined;
  bool b_ = false;
  int64_t i_ = 0;
  double f_ = 0;
  std::string s_;
  std::shared_ptr<ListData> list_;
  std::shared_ptr<DictData> dict_;
  std::shared_ptr<NativeFunction> fn_;
};

struct ListData {
  std::vector<Value> items;
  bool tuple = false;
};

// Insertion-ordered mapping; keys compare with Python's ==.
struct DictData {
  std::vector<std::pair<Value, Value>> items;
  const Value* find(const Value& key) const;
  const Value* find(const std::string& key) const;
  void set(Value key, Value value);
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // Takes argument `index` (or keyword `name`); `fallback` when absent.
  Value take(size_t index, const char* name, Value fallback = Value());
  // Fails when arguments were given that nothing took.
  void finish(const std::string& function) const;

 private:
  std::vector<bool> used_positional_, used_keyword_;
};

// `s` with invalid UTF-8 sequences replaced by U+FFFD (as Python's decoder would).
std::string valid_utf8(std::string s);

// Python's ==, and < (Failure when the types cannot be ordered).
bool values_equal(const Value& a, const Value& b);
bool value_less(const Value& a, const Value& b);

template <typename Json>
Value Value::from_json(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return none();
    case Json::value_t::boolean: return Value(j.template get<bool>());
    case Json::value_t::number_integer: return Value(j.template get<int64_t>());
    case Json::value_t::number_unsigned: {
      const auto u = j.template get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<int64_t>(u));
    }
    case Json::value_t::number_float: return Value(j.template get<double>());
    case Json::value_t::string: return Value(valid_utf8(j.template get<std::string>()));
    case Json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e));
      return list(std::move(items));
    }
    case Json::value_t::object: {
      Value d = dict();
      for (auto it = j.begin(); it != j.end(); ++it) d.entries().items.emplace_back(Value(it.key()), from_json(it.value()));
      return d;
    }
    default: throw Failure("unsupported JSON value (binary)");
  }
}

}  // namespace vlsi::text::jinja
