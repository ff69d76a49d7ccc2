#include "vlsi/text/jinja/builtins.h"

#include <ctime>
#include <map>

#include "vlsi/text/jinja/py_format.h"

namespace vlsi::text::jinja {
namespace {

// jinja2's sandbox refuses ranges longer than this.
constexpr int64_t kMaxRange = 100000;

int64_t range_arg(const Value& v) {
  if (v.kind() != Kind::Int && v.kind() != Kind::Bool) {
    v.require_defined();
    throw Failure("'" + v.type_name() + "' object cannot be interpreted as an integer");
  }
  return v.as_int();
}

Value range_fn(CallArgs& a) {
  if (!a.keyword.empty()) throw Failure("range() takes no keyword arguments");
  if (a.positional.empty() || a.positional.size() > 3)
    throw Failure("range expected 1 to 3 arguments, got " + std::to_string(a.positional.size()));
  int64_t start = 0, stop, step = 1;
  if (a.positional.size() == 1) {
    stop = range_arg(a.positional[0]);
  } else {
    start = range_arg(a.positional[0]);
    stop = range_arg(a.positional[1]);
    if (a.positional.size() == 3) step = range_arg(a.positional[2]);
  }
  if (step == 0) throw Failure("range() arg 3 must not be zero");
  std::vector<Value> out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (static_cast<int64_t>(out.size()) >= kMaxRange)
      throw Failure("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    out.emplace_back(i);
  }
  return Value::list(std::move(out));
}

// dict(mapping, **kwargs) and namespace(mapping, **kwargs).
Value mapping_fn(CallArgs& a, Value into, const char* name) {
  if (a.positional.size() > 1) throw Failure(std::string(name) + " expected at most 1 argument");
  if (!a.positional.empty()) {
    const Value& m = a.positional[0];
    if (m.is_dict() || m.kind() == Kind::Namespace) {
      for (const auto& kv : m.entries().items) into.entries().set(kv.first, kv.second);
    } else if (m.is_list()) {
      for (const auto& pair : m.items()) {
        if (!pair.is_list() || pair.items().size() != 2)
          throw Failure(std::string(name) + ": sequence elements must be pairs");
        into.entries().set(pair.items()[0], pair.items()[1]);
      }
    } else {
      throw Failure("'" + m.type_name() + "' object is not iterable");
    }
  }
  for (const auto& kv : a.keyword) into.entries().set(Value(kv.first), kv.second);
  return into;
}

Value strftime_now_fn(CallArgs& a) {
  const std::string format = py_str(a.take(0, "format"));
  a.finish("strftime_now");
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  if (format.empty()) return Value("");
  std::string buf(256, '\0');
  while (true) {
    const size_t n = std::strftime(&buf[0], buf.size(), format.c_str(), &local);
    if (n > 0 || buf.size() > 65536) {
      buf.resize(n);
      return Value(buf);
    }
    buf.resize(buf.size() * 4);
  }
}

const std::map<std::string, Value>& builtin_table() {
  static const std::map<std::string, Value> table = {
      {"range", Value::function("range", range_fn)},
      {"dict", Value::function("dict", [](CallArgs& a) { return mapping_fn(a, Value::dict(), "dict"); })},
      {"namespace",
       Value::function("namespace", [](CallArgs& a) { return mapping_fn(a, Value::make_namespace(), "namespace"); })},
      {"raise_exception", Value::function("raise_exception",
                                          [](CallArgs& a) -> Value {
                                            const Value message = a.take(0, "message");
                                            a.finish("raise_exception");
                                            throw Failure(py_str(message));
                                          })},
      {"strftime_now", Value::function("strftime_now", strftime_now_fn)},
  };
  return table;
}

}  // namespace

const Value* find_builtin(const std::string& name) {
  const auto it = builtin_table().find(name);
  return it == builtin_table().end() ? nullptr : &it->second;
}

}  // namespace vlsi::text::jinja
