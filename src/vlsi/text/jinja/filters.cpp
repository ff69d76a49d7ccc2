#include "vlsi/text/jinja/filters.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "vlsi/text/jinja/collection_filters.h"
#include "vlsi/text/jinja/methods.h"
#include "vlsi/text/jinja/operators.h"
#include "vlsi/text/jinja/py_format.h"
#include "vlsi/text/jinja/py_string.h"
#include "vlsi/text/utf8.h"

namespace vlsi::text::jinja {
namespace {

using FilterFn = Value (*)(const Value&, CallArgs&);

Value string_filter(const Value& v, CallArgs& a, const char* name, std::string (*f)(const std::string&)) {
  a.finish(name);
  return Value(f(py_str(v)));
}

Value tojson_filter(const Value& v, CallArgs& a) {
  JsonDumpOptions o;
  o.ensure_ascii = a.take(0, "ensure_ascii", Value(false)).truthy();
  const Value indent = a.take(1, "indent", Value::none());
  const Value separators = a.take(2, "separators", Value::none());
  o.sort_keys = a.take(3, "sort_keys", Value(false)).truthy();
  a.finish("tojson");
  if (indent.is_string()) o.indent = indent.str();
  else if (indent.kind() == Kind::Int || indent.kind() == Kind::Bool) o.indent = std::string(static_cast<size_t>(std::max<int64_t>(0, indent.as_int())), ' ');
  else if (!indent.is_none()) throw Failure("tojson: indent must be an integer or a string");
  if (!separators.is_none()) {
    if (!separators.is_list() || separators.items().size() != 2 || !separators.items()[0].is_string() ||
        !separators.items()[1].is_string())
      throw Failure("tojson: separators must be a pair of strings");
    o.item_separator = separators.items()[0].str();
    o.key_separator = separators.items()[1].str();
  }
  return Value(json_dumps(v, o));
}

Value default_filter(const Value& v, CallArgs& a) {
  const Value fallback = a.take(0, "default_value", Value(""));
  const bool boolean = a.take(1, "boolean", Value(false)).truthy();
  a.finish("default");
  return v.is_undefined() || (boolean && !v.truthy()) ? fallback : v;
}

Value replace_filter(const Value& v, CallArgs& a) {
  const std::string old = py_str(a.take(0, "old")), repl = py_str(a.take(1, "new"));
  const Value count = a.take(2, "count", Value::none());
  a.finish("replace");
  return Value(py_replace(py_str(v), old, repl, count.is_none() ? -1 : count.as_int()));
}

// Python's int(str): optional sign, digits with single underscores, spaces around.
std::optional<int64_t> parse_python_int(const std::string& text) {
  const std::string s = py_strip(text, std::nullopt, true, true);
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i == s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] == '_' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isdigit(static_cast<unsigned char>(s[i - 1])))
      continue;
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[i] - '0', &v)) throw Failure("integer overflow");
  }
  return negative ? -v : v;
}

std::optional<double> parse_python_float(const std::string& text) {
  std::string s = py_strip(text, std::nullopt, true, true);
  s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  if (s.find_first_of("xXpP") != std::string::npos) return std::nullopt;  // strtod's hex floats
  return d;
}

Value int_filter(const Value& v, CallArgs& a) {
  const Value fallback = a.take(0, "default", Value(0));
  a.finish("int");
  v.require_defined();
  if (v.kind() == Kind::Int || v.kind() == Kind::Bool) return Value(v.as_int());
  if (v.kind() == Kind::Float) {
    if (!std::isfinite(v.as_float())) throw Failure("cannot convert float infinity or NaN to integer");
    return Value(static_cast<int64_t>(std::trunc(v.as_float())));
  }
  if (v.is_string()) {
    if (auto i = parse_python_int(v.str())) return Value(*i);
    if (auto d = parse_python_float(v.str())) {
      if (!std::isfinite(*d)) throw Failure("cannot convert float infinity or NaN to integer");
      return Value(static_cast<int64_t>(std::trunc(*d)));
    }
  }
  return fallback;
}

Value float_filter(const Value& v, CallArgs& a) {
  const Value fallback = a.take(0, "default", Value(0.0));
  a.finish("float");
  v.require_defined();
  if (v.is_number()) return Value(v.as_float());
  if (v.is_string())
    if (auto d = parse_python_float(v.str())) return Value(*d);
  return fallback;
}

// str.splitlines() line boundaries.
std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::string line;
  for (size_t i = 0; i < s.size();) {
    const size_t at = i;
    const char32_t c = next_code_point(s, i);
    const bool boundary = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E) || c == 0x85 ||
                          c == 0x2028 || c == 0x2029;
    if (!boundary) {
      line.append(s, at, i - at);
      continue;
    }
    if (c == '\r' && i < s.size() && s[i] == '\n') ++i;
    lines.push_back(std::move(line));
    line.clear();
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

Value indent_filter(const Value& v, CallArgs& a) {
  const Value width = a.take(0, "width", Value(4));
  const bool first = a.take(1, "first", Value(false)).truthy();
  const bool blank = a.take(2, "blank", Value(false)).truthy();
  a.finish("indent");
  const std::string pad = width.is_string() ? width.str() : std::string(static_cast<size_t>(std::max<int64_t>(0, width.as_int())), ' ');
  const auto lines = split_lines(py_str(v) + "\n");
  std::string out;
  for (size_t k = 0; k < lines.size(); ++k) {
    if (k) out += "\n";
    if (k && (blank || !lines[k].empty())) out += pad;
    out += lines[k];
  }
  return Value(first ? pad + out : out);
}

Value escape_filter(const Value& v, CallArgs& a) {
  a.finish("escape");
  std::string out;
  for (char c : py_str(v)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return Value(std::move(out));
}

Value abs_filter(const Value& v, CallArgs& a) {
  a.finish("abs");
  v.require_defined();
  if (v.kind() == Kind::Float) return Value(std::fabs(v.as_float()));
  if (v.is_number()) return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
  throw Failure("bad operand type for abs(): '" + v.type_name() + "'");
}

// getattr(obj, name) only: unlike x.name, never an item of a dict.
Value attr_filter(const Value& v, CallArgs& a) {
  const std::string name = py_str(a.take(0, "name"));
  a.finish("attr");
  if (v.kind() == Kind::Namespace || v.is_undefined()) return get_attr(v, name);
  const Value m = find_method(v, name);
  return m.is_undefined() ? Value::undefined("'" + v.type_name() + " object' has no attribute '" + name + "'") : m;
}

const std::map<std::string, FilterFn>& filter_table() {
  static const std::map<std::string, FilterFn> table = {
      {"length", [](const Value& v, CallArgs& a) { a.finish("length"); return Value(length_of(v)); }},
      {"count", [](const Value& v, CallArgs& a) { a.finish("count"); return Value(length_of(v)); }},
      {"trim",
       [](const Value& v, CallArgs& a) {
         const Value chars = a.take(0, "chars", Value::none());
         a.finish("trim");
         return Value(py_strip(py_str(v), chars.is_none() ? std::nullopt : std::optional<std::string>(py_str(chars)), true, true));
       }},
      {"tojson", tojson_filter},
      {"default", default_filter},
      {"d", default_filter},
      {"upper", [](const Value& v, CallArgs& a) { return string_filter(v, a, "upper", py_upper); }},
      {"lower", [](const Value& v, CallArgs& a) { return string_filter(v, a, "lower", py_lower); }},
      {"capitalize", [](const Value& v, CallArgs& a) { return string_filter(v, a, "capitalize", py_capitalize); }},
      {"title", [](const Value& v, CallArgs& a) { return string_filter(v, a, "title", py_title); }},
      {"replace", replace_filter},
      {"string", [](const Value& v, CallArgs& a) { a.finish("string"); return Value(py_str(v)); }},
      {"safe", [](const Value& v, CallArgs& a) { a.finish("safe"); return v; }},
      {"int", int_filter},
      {"float", float_filter},
      {"indent", indent_filter},
      {"escape", escape_filter},
      {"e", escape_filter},
      {"abs", abs_filter},
      {"attr", attr_filter},
      {"first", first_filter},
      {"last", last_filter},
      {"join", join_filter},
      {"list", list_filter},
      {"items", items_filter},
      {"map", map_filter},
      {"select", select_filter},
      {"reject", reject_filter},
      {"selectattr", selectattr_filter},
      {"rejectattr", rejectattr_filter},
      {"reverse", reverse_filter},
      {"sort", sort_filter},
  };
  return table;
}

}  // namespace

bool is_known_filter(const std::string& name) { return filter_table().count(name) != 0; }

Value apply_filter(const std::string& name, const Value& input, CallArgs& args) {
  const auto it = filter_table().find(name);
  if (it == filter_table().end()) throw Failure("no filter named '" + name + "'");
  return it->second(input, args);
}

}  // namespace vlsi::text::jinja
