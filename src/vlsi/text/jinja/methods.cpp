#include "vlsi/text/jinja/methods.h"

#include "vlsi/text/jinja/operators.h"
#include "vlsi/text/jinja/py_format.h"
#include "vlsi/text/jinja/py_string.h"

namespace vlsi::text::jinja {
namespace {

std::optional<std::string> optional_string(const Value& v, const char* what) {
  if (v.is_undefined() || v.is_none()) return std::nullopt;
  if (!v.is_string()) throw Failure(std::string(what) + " arg must be None or str");
  return v.str();
}

int64_t int_arg(const Value& v, int64_t fallback) {
  if (v.is_undefined() || v.is_none()) return fallback;
  if (v.kind() != Kind::Int && v.kind() != Kind::Bool) throw Failure("an integer is required, got " + v.type_name());
  return v.as_int();
}

const std::string& string_arg(const Value& v, const char* method) {
  if (!v.is_string()) throw Failure(std::string(method) + "() argument must be str, not " + v.type_name());
  return v.str();
}

Value string_list(std::vector<std::string> parts) {
  std::vector<Value> out;
  out.reserve(parts.size());
  for (auto& p : parts) out.emplace_back(std::move(p));
  return Value::list(std::move(out));
}

bool affix_matches(const std::string& s, const Value& affix, bool prefix, const char* method) {
  auto one = [&](const std::string& a) {
    if (a.size() > s.size()) return false;
    return prefix ? s.compare(0, a.size(), a) == 0 : s.compare(s.size() - a.size(), a.size(), a) == 0;
  };
  if (affix.is_tuple()) {
    for (const auto& a : affix.items())
      if (one(string_arg(a, method))) return true;
    return false;
  }
  if (!affix.is_string())
    throw Failure(std::string(method) + " first arg must be str or a tuple of str, not " + affix.type_name());
  return one(affix.str());
}

Value string_method(const Value& obj, const std::string& name) {
  const std::string s = obj.str();
  auto fn = [&](NativeFunction f) { return Value::function("str." + name, std::move(f)); };
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    const bool left = name != "rstrip", right = name != "lstrip";
    return fn([s, name, left, right](CallArgs& a) {
      auto chars = optional_string(a.take(0, "chars"), name.c_str());
      a.finish(name);
      return Value(py_strip(s, chars, left, right));
    });
  }
  if (name == "split" || name == "rsplit") {
    return fn([s, name](CallArgs& a) {
      auto sep = optional_string(a.take(0, "sep"), "sep");
      const int64_t maxsplit = int_arg(a.take(1, "maxsplit"), -1);
      a.finish(name);
      if (sep && sep->empty()) throw Failure("empty separator");
      return string_list(name == "split" ? py_split(s, sep, maxsplit) : py_rsplit(s, sep, maxsplit));
    });
  }
  if (name == "startswith" || name == "endswith") {
    return fn([s, name](CallArgs& a) {
      const Value affix = a.take(0, "prefix");
      a.finish(name);
      return Value(affix_matches(s, affix, name == "startswith", name.c_str()));
    });
  }
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize" || name == "isupper" ||
      name == "islower") {
    return fn([s, name](CallArgs& a) {
      a.finish(name);
      if (name == "upper") return Value(py_upper(s));
      if (name == "lower") return Value(py_lower(s));
      if (name == "title") return Value(py_title(s));
      if (name == "isupper") return Value(py_is_upper(s));
      if (name == "islower") return Value(py_is_lower(s));
      return Value(py_capitalize(s));
    });
  }
  if (name == "replace") {
    return fn([s](CallArgs& a) {
      const std::string old = string_arg(a.take(0, "old"), "replace");
      const std::string repl = string_arg(a.take(1, "new"), "replace");
      const int64_t count = int_arg(a.take(2, "count"), -1);
      a.finish("replace");
      return Value(py_replace(s, old, repl, count));
    });
  }
  if (name == "find" || name == "count") {
    return fn([s, name](CallArgs& a) {
      const std::string sub = string_arg(a.take(0, "sub"), name.c_str());
      a.finish(name);
      return Value(name == "find" ? py_find(s, sub) : py_count(s, sub));
    });
  }
  if (name == "join") {
    return fn([s](CallArgs& a) {
      const Value items = a.take(0, "iterable");
      a.finish("join");
      std::string out;
      bool first = true;
      for (const auto& v : iterate(items)) {
        if (!first) out += s;
        out += string_arg(v, "join");
        first = false;
      }
      return Value(std::move(out));
    });
  }
  return Value::undefined("");
}

Value dict_method(const Value& obj, const std::string& name) {
  auto fn = [&](NativeFunction f) { return Value::function("dict." + name, std::move(f)); };
  if (name == "items" || name == "keys" || name == "values") {
    return fn([obj, name](CallArgs& a) {
      a.finish(name);
      std::vector<Value> out;
      for (const auto& kv : obj.entries().items)
        out.push_back(name == "items" ? Value::tuple({kv.first, kv.second}) : name == "keys" ? kv.first : kv.second);
      return Value::list(std::move(out));
    });
  }
  if (name == "get") {
    return fn([obj](CallArgs& a) {
      const Value key = a.take(0, "key");
      const Value fallback = a.take(1, "default", Value::none());
      a.finish("get");
      const Value* v = obj.entries().find(key);
      return v ? *v : fallback;
    });
  }
  if (name == "copy") {
    return fn([obj](CallArgs& a) {
      a.finish("copy");
      Value d = Value::dict();
      d.entries().items = obj.entries().items;
      return d;
    });
  }
  return Value::undefined("");
}

Value list_method(const Value& obj, const std::string& name) {
  if (name == "index" || name == "count") {
    return Value::function("list." + name, [obj, name](CallArgs& a) {
      const Value x = a.take(0, "value");
      a.finish(name);
      int64_t n = 0;
      for (size_t k = 0; k < obj.items().size(); ++k) {
        if (!values_equal(obj.items()[k], x)) continue;
        if (name == "index") return Value(static_cast<int64_t>(k));
        ++n;
      }
      if (name == "index") throw Failure(py_repr(x) + " is not in list");
      return Value(n);
    });
  }
  return Value::undefined("");
}

bool is_mutating(const Value& obj, const std::string& name) {
  static const char* const kDict[] = {"pop", "popitem", "update", "setdefault", "clear"};
  static const char* const kList[] = {"append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"};
  if (obj.is_dict()) {
    for (const char* m : kDict)
      if (name == m) return true;
  } else if (obj.is_list() && !obj.is_tuple()) {
    for (const char* m : kList)
      if (name == m) return true;
  }
  return false;
}

}  // namespace

Value find_method(const Value& obj, const std::string& name) {
  if (is_mutating(obj, name)) {
    const std::string type = obj.type_name();
    return Value::function(type + "." + name, [name, type](CallArgs&) -> Value {
      throw Failure("access to attribute '" + name + "' of '" + type + "' object is unsafe.");
    });
  }
  switch (obj.kind()) {
    case Kind::String: return string_method(obj, name);
    case Kind::Dict: return dict_method(obj, name);
    case Kind::List: return obj.is_tuple() && name != "index" && name != "count" ? Value::undefined("") : list_method(obj, name);
    default: return Value::undefined("");
  }
}

}  // namespace vlsi::text::jinja
