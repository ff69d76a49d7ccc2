#include "vlsi/text/jinja/value.h"

#include "vlsi/text/utf8.h"

namespace vlsi::text::jinja {

Value Value::undefined(std::string hint) {
  Value v;
  v.s_ = std::move(hint);
  return v;
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::None;
  return v;
}

Value Value::list(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::List;
  v.list_ = std::make_shared<ListData>();
  v.list_->items = std::move(items);
  return v;
}

Value Value::tuple(std::vector<Value> items) {
  Value v = list(std::move(items));
  v.list_->tuple = true;
  return v;
}

Value Value::dict() {
  Value v;
  v.kind_ = Kind::Dict;
  v.dict_ = std::make_shared<DictData>();
  return v;
}

Value Value::make_namespace() {
  Value v = dict();
  v.kind_ = Kind::Namespace;
  return v;
}

Value Value::function(std::string name, NativeFunction call) {
  Value v;
  v.kind_ = Kind::Function;
  v.s_ = std::move(name);
  v.fn_ = std::make_shared<NativeFunction>(std::move(call));
  return v;
}

bool Value::is_tuple() const { return kind_ == Kind::List && list_->tuple; }

std::vector<Value>& Value::items() const { return list_->items; }
DictData& Value::entries() const { return *dict_; }

Value Value::call(CallArgs& args) const {
  if (kind_ == Kind::Undefined) throw Failure(s_);
  if (kind_ != Kind::Function) throw Failure("'" + type_name() + "' object is not callable");
  return (*fn_)(args);
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::Undefined:
    case Kind::None: return false;
    case Kind::Bool: return b_;
    case Kind::Int: return i_ != 0;
    case Kind::Float: return f_ != 0;
    case Kind::String: return !s_.empty();
    case Kind::List: return !list_->items.empty();
    case Kind::Dict: return !dict_->items.empty();
    case Kind::Namespace:
    case Kind::Function: return true;
  }
  return false;
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::Undefined: return "Undefined";
    case Kind::None: return "NoneType";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::List: return list_->tuple ? "tuple" : "list";
    case Kind::Dict: return "dict";
    case Kind::Namespace: return "Namespace";
    case Kind::Function: return "function";
  }
  return "object";
}

void Value::require_defined() const {
  if (kind_ == Kind::Undefined) throw Failure(s_);
}

bool Value::same_as(const Value& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::List: return list_ == other.list_;
    case Kind::Dict:
    case Kind::Namespace: return dict_ == other.dict_;
    case Kind::Function: return fn_ == other.fn_;
    default: return values_equal(*this, other);
  }
}

const Value* DictData::find(const Value& key) const {
  for (const auto& kv : items)
    if (values_equal(kv.first, key)) return &kv.second;
  return nullptr;
}

const Value* DictData::find(const std::string& key) const {
  for (const auto& kv : items)
    if (kv.first.is_string() && kv.first.str() == key) return &kv.second;
  return nullptr;
}

void DictData::set(Value key, Value value) {
  for (auto& kv : items)
    if (values_equal(kv.first, key)) {
      kv.second = std::move(value);
      return;
    }
  items.emplace_back(std::move(key), std::move(value));
}

Value CallArgs::take(size_t index, const char* name, Value fallback) {
  used_positional_.resize(positional.size());
  used_keyword_.resize(keyword.size());
  if (index < positional.size()) {
    used_positional_[index] = true;
    return positional[index];
  }
  for (size_t k = 0; k < keyword.size(); ++k)
    if (keyword[k].first == name) {
      used_keyword_[k] = true;
      return keyword[k].second;
    }
  return fallback;
}

void CallArgs::finish(const std::string& function) const {
  for (size_t k = 0; k < positional.size(); ++k)
    if (k >= used_positional_.size() || !used_positional_[k])
      throw Failure(function + "() got too many positional arguments");
  for (size_t k = 0; k < keyword.size(); ++k)
    if (k >= used_keyword_.size() || !used_keyword_[k])
      throw Failure(function + "() got an unexpected keyword argument '" + keyword[k].first + "'");
}

std::string valid_utf8(std::string s) { return is_valid_utf8(s) ? s : sanitize_utf8(s); }

bool values_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.kind() == Kind::Float || b.kind() == Kind::Float) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::Undefined:
    case Kind::None: return true;
    case Kind::String: return a.str() == b.str();
    case Kind::List: {
      if (a.is_tuple() != b.is_tuple() || a.items().size() != b.items().size()) return false;
      for (size_t k = 0; k < a.items().size(); ++k)
        if (!values_equal(a.items()[k], b.items()[k])) return false;
      return true;
    }
    case Kind::Dict: {
      if (a.entries().items.size() != b.entries().items.size()) return false;
      for (const auto& kv : a.entries().items) {
        const Value* other = b.entries().find(kv.first);
        if (!other || !values_equal(kv.second, *other)) return false;
      }
      return true;
    }
    default: return a.same_as(b);
  }
}

bool value_less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.kind() == Kind::Float || b.kind() == Kind::Float) return a.as_float() < b.as_float();
    return a.as_int() < b.as_int();
  }
  if (a.is_string() && b.is_string()) return a.str() < b.str();  // UTF-8 byte order is code point order
  if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
    const auto &x = a.items(), &y = b.items();
    for (size_t k = 0; k < x.size() && k < y.size(); ++k)
      if (!values_equal(x[k], y[k])) return value_less(x[k], y[k]);
    return x.size() < y.size();
  }
  a.require_defined();
  b.require_defined();
  throw Failure("'<' not supported between instances of '" + a.type_name() + "' and '" + b.type_name() + "'");
}

}  // namespace vlsi::text::jinja
