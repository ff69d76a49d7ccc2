#include "vlsi/text/jinja/collection_filters.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "vlsi/text/jinja/filters.h"
#include "vlsi/text/jinja/operators.h"
#include "vlsi/text/jinja/predicates.h"
#include "vlsi/text/jinja/py_format.h"
#include "vlsi/text/jinja/py_string.h"

namespace vlsi::text::jinja {
namespace {

// jinja2's make_attrgetter: "a.b.0" looks up a, then b, then item 0; a
// `fallback` replaces an undefined result after each step.
Value lookup_path(const Value& item, const Value& attribute, const Value& fallback) {
  const bool use_fallback = !fallback.is_undefined() && !fallback.is_none();
  // nullopt: an index beyond int64 (Python's int is unbounded), which no
  // list or dict here holds: the lookup is undefined, as jinja2's would be.
  std::vector<std::optional<Value>> parts;
  if (attribute.is_string()) {
    for (const auto& part : py_split(attribute.str(), std::string("."), -1)) {
      const bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits) {
        parts.emplace_back(Value(part));
        continue;
      }
      int64_t index = 0;
      const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
      parts.push_back(ec == std::errc() ? std::optional<Value>(Value(index)) : std::nullopt);
    }
  } else {
    parts.emplace_back(attribute);
  }
  Value cur = item;
  for (const auto& part : parts) {
    cur = part ? get_item(cur, *part) : Value();
    if (use_fallback && cur.is_undefined()) cur = fallback;
  }
  return cur;
}

// The arguments after the test name, for select/reject/selectattr/rejectattr.
CallArgs rest_of(const CallArgs& a, size_t from) {
  CallArgs rest;
  for (size_t k = from; k < a.positional.size(); ++k) rest.positional.push_back(a.positional[k]);
  rest.keyword = a.keyword;
  return rest;
}

Value select_or_reject(const Value& v, const CallArgs& a, bool with_attribute, bool keep_when, const char* name) {
  size_t off = 0;
  Value attribute;
  if (with_attribute) {
    if (a.positional.empty()) throw Failure(std::string(name) + ": missing parameter for attribute name");
    attribute = a.positional[0];
    off = 1;
  }
  const bool has_test = a.positional.size() > off;
  const std::string test = has_test ? py_str(a.positional[off]) : "";
  if (has_test && !is_known_test(test)) throw Failure("no test named '" + test + "'");
  std::vector<Value> out;
  if (!v.truthy()) return Value::list();
  for (const auto& item : iterate(v)) {
    const Value subject = with_attribute ? lookup_path(item, attribute, Value()) : item;
    bool passed;
    if (has_test) {
      CallArgs rest = rest_of(a, off + 1);
      passed = apply_test(test, subject, rest);
    } else {
      passed = subject.truthy();
    }
    if (passed == keep_when) out.push_back(item);
  }
  return Value::list(std::move(out));
}

}  // namespace

Value first_filter(const Value& v, CallArgs& a) {
  a.finish("first");
  const auto items = iterate(v);
  return items.empty() ? Value::undefined("No first item, sequence was empty.") : items.front();
}

Value last_filter(const Value& v, CallArgs& a) {
  a.finish("last");
  const auto items = iterate(v);
  return items.empty() ? Value::undefined("No last item, sequence was empty.") : items.back();
}

Value join_filter(const Value& v, CallArgs& a) {
  const std::string sep = py_str(a.take(0, "d", Value("")));
  const Value attribute = a.take(1, "attribute", Value::none());
  a.finish("join");
  std::string out;
  bool first = true;
  for (const auto& item : iterate(v)) {
    if (!first) out += sep;
    out += py_str(attribute.is_none() ? item : lookup_path(item, attribute, Value()));
    first = false;
  }
  return Value(std::move(out));
}

Value list_filter(const Value& v, CallArgs& a) {
  a.finish("list");
  return Value::list(iterate(v));
}

Value items_filter(const Value& v, CallArgs& a) {
  a.finish("items");
  if (v.is_undefined()) return Value::list();
  if (!v.is_dict()) throw Failure("Can only get item pairs from a mapping.");
  std::vector<Value> out;
  for (const auto& kv : v.entries().items) out.push_back(Value::tuple({kv.first, kv.second}));
  return Value::list(std::move(out));
}

Value map_filter(const Value& v, CallArgs& a) {
  std::vector<Value> out;
  if (a.positional.empty()) {
    const Value attribute = a.take(0, "attribute");
    const Value fallback = a.take(1, "default", Value::none());
    a.finish("map");
    if (attribute.is_undefined()) throw Failure("map: expected a filter name or attribute=");
    for (const auto& item : iterate(v)) out.push_back(lookup_path(item, attribute, fallback));
    return Value::list(std::move(out));
  }
  const std::string filter = py_str(a.positional[0]);
  if (!is_known_filter(filter)) throw Failure("no filter named '" + filter + "'");
  for (const auto& item : iterate(v)) {
    CallArgs rest = rest_of(a, 1);
    out.push_back(apply_filter(filter, item, rest));
  }
  return Value::list(std::move(out));
}

Value select_filter(const Value& v, CallArgs& a) { return select_or_reject(v, a, false, true, "select"); }
Value reject_filter(const Value& v, CallArgs& a) { return select_or_reject(v, a, false, false, "reject"); }
Value selectattr_filter(const Value& v, CallArgs& a) { return select_or_reject(v, a, true, true, "selectattr"); }
Value rejectattr_filter(const Value& v, CallArgs& a) { return select_or_reject(v, a, true, false, "rejectattr"); }

Value reverse_filter(const Value& v, CallArgs& a) {
  a.finish("reverse");
  if (v.is_string()) return Value(py_slice(v.str(), std::nullopt, std::nullopt, -1));
  auto items = iterate(v);
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

Value sort_filter(const Value& v, CallArgs& a) {
  const bool reverse = a.take(0, "reverse", Value(false)).truthy();
  const bool case_sensitive = a.take(1, "case_sensitive", Value(false)).truthy();
  const Value attribute = a.take(2, "attribute", Value::none());
  a.finish("sort");
  auto items = iterate(v);
  auto key = [&](const Value& item) {
    Value k = attribute.is_none() ? item : lookup_path(item, attribute, Value());
    return !case_sensitive && k.is_string() ? Value(py_lower(k.str())) : k;
  };
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& item : items) keyed.emplace_back(key(item), item);
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? value_less(y.first, x.first) : value_less(x.first, y.first);
  });
  std::vector<Value> out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value::list(std::move(out));
}

}  // namespace vlsi::text::jinja
