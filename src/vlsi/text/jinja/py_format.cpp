#include "vlsi/text/jinja/py_format.h"

#include <utf8proc.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "vlsi/text/utf8.h"

namespace vlsi::text::jinja {
namespace {

// str.isprintable() of one code point: everything but the Other and
// Separator categories, except the ASCII space.
bool is_printable(char32_t cp) {
  if (cp == ' ') return true;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_ZS: return false;
    default: return true;
  }
}

std::string hex_escape(const char* prefix, int digits, uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%0*x", prefix, digits, cp);
  return buf;
}

void repr_into(std::string& out, const Value& v);

void repr_items(std::string& out, const std::vector<Value>& items) {
  for (size_t k = 0; k < items.size(); ++k) {
    if (k) out += ", ";
    repr_into(out, items[k]);
  }
}

void repr_entries(std::string& out, const DictData& d) {
  out += '{';
  for (size_t k = 0; k < d.items.size(); ++k) {
    if (k) out += ", ";
    repr_into(out, d.items[k].first);
    out += ": ";
    repr_into(out, d.items[k].second);
  }
  out += '}';
}

void repr_into(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined: out += "Undefined"; return;
    case Kind::String: out += string_repr(v.str()); return;
    case Kind::List:
      if (v.is_tuple()) {
        out += '(';
        repr_items(out, v.items());
        out += v.items().size() == 1 ? ",)" : ")";
      } else {
        out += '[';
        repr_items(out, v.items());
        out += ']';
      }
      return;
    case Kind::Dict: repr_entries(out, v.entries()); return;
    case Kind::Namespace:
      out += "<Namespace ";
      repr_entries(out, v.entries());
      out += '>';
      return;
    default: out += py_str(v);
  }
}

}  // namespace

std::string float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const std::string sci(buf, res.ptr);  // e.g. "-1.2345e+17"
  const size_t e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  const int exponent = std::stoi(sci.substr(e + 1));
  const bool negative = mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits = mantissa;
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + ebuf;
  }
  if (exponent < 0) return out + "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  const size_t whole = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= whole) return out + digits + std::string(whole - digits.size(), '0') + ".0";
  return out + digits.substr(0, whole) + "." + digits.substr(whole);
}

std::string string_repr(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos, has_double = s.find('"') != std::string::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (size_t i = 0; i < s.size();) {
    const char32_t cp = next_code_point(s, i);
    if (cp == static_cast<char32_t>(quote) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x20 || cp == 0x7F) {
      out += hex_escape("\\x", 2, cp);
    } else if (cp < 0x7F || is_printable(cp)) {
      append_utf8(out, cp);
    } else if (cp <= 0xFF) {
      out += hex_escape("\\x", 2, cp);
    } else if (cp <= 0xFFFF) {
      out += hex_escape("\\u", 4, cp);
    } else {
      out += hex_escape("\\U", 8, cp);
    }
  }
  out += quote;
  return out;
}

std::string py_str(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined: return "";
    case Kind::None: return "None";
    case Kind::Bool: return v.as_bool() ? "True" : "False";
    case Kind::Int: return std::to_string(v.as_int());
    case Kind::Float: return float_repr(v.as_float());
    case Kind::String: return v.str();
    case Kind::Function: return "<function " + v.function_name() + ">";
    default: {
      std::string out;
      repr_into(out, v);
      return out;
    }
  }
}

std::string py_repr(const Value& v) {
  std::string out;
  repr_into(out, v);
  return out;
}

namespace {

void json_string(std::string& out, const std::string& s, bool ensure_ascii) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const char32_t cp = next_code_point(s, i);
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (cp < 0x20 || (ensure_ascii && cp >= 0x7F)) {
          if (cp > 0xFFFF) {
            const uint32_t c = static_cast<uint32_t>(cp) - 0x10000;
            out += hex_escape("\\u", 4, 0xD800 + (c >> 10));
            out += hex_escape("\\u", 4, 0xDC00 + (c & 0x3FF));
          } else {
            out += hex_escape("\\u", 4, static_cast<uint32_t>(cp));
          }
        } else {
          append_utf8(out, cp);
        }
    }
  }
  out += '"';
}

std::string json_float(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v < 0 ? "-Infinity" : "Infinity";
  return float_repr(v);
}

class JsonWriter {
 public:
  explicit JsonWriter(const JsonDumpOptions& o)
      : o_(o),
        item_sep_(o.item_separator ? *o.item_separator : o.indent ? "," : ", "),
        key_sep_(o.key_separator ? *o.key_separator : ": ") {}

  void write(std::string& out, const Value& v, int depth) {
    switch (v.kind()) {
      case Kind::None: out += "null"; return;
      case Kind::Bool: out += v.as_bool() ? "true" : "false"; return;
      case Kind::Int: out += std::to_string(v.as_int()); return;
      case Kind::Float: out += json_float(v.as_float()); return;
      case Kind::String: json_string(out, v.str(), o_.ensure_ascii); return;
      case Kind::List: {
        const auto& items = v.items();
        if (items.empty()) {
          out += "[]";
          return;
        }
        out += '[';
        for (size_t k = 0; k < items.size(); ++k) {
          out += k ? item_sep_ : "";
          newline(out, depth + 1);
          write(out, items[k], depth + 1);
        }
        newline(out, depth);
        out += ']';
        return;
      }
      case Kind::Dict: {
        std::vector<std::pair<std::string, const Value*>> entries;
        for (const auto& kv : v.entries().items) entries.emplace_back(key_text(kv.first), &kv.second);
        if (o_.sort_keys)
          std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        if (entries.empty()) {
          out += "{}";
          return;
        }
        out += '{';
        for (size_t k = 0; k < entries.size(); ++k) {
          out += k ? item_sep_ : "";
          newline(out, depth + 1);
          json_string(out, entries[k].first, o_.ensure_ascii);
          out += key_sep_;
          write(out, *entries[k].second, depth + 1);
        }
        newline(out, depth);
        out += '}';
        return;
      }
      default: throw Failure("Object of type " + v.type_name() + " is not JSON serializable");
    }
  }

 private:
  void newline(std::string& out, int depth) const {
    if (!o_.indent) return;
    out += '\n';
    for (int k = 0; k < depth; ++k) out += *o_.indent;
  }

  static std::string key_text(const Value& key) {
    switch (key.kind()) {
      case Kind::String: return key.str();
      case Kind::None: return "null";
      case Kind::Bool: return key.as_bool() ? "true" : "false";
      case Kind::Int: return std::to_string(key.as_int());
      case Kind::Float: return json_float(key.as_float());
      default: throw Failure("keys must be str, int, float, bool or None, not " + key.type_name());
    }
  }

  const JsonDumpOptions& o_;
  std::string item_sep_, key_sep_;
};

}  // namespace

std::string json_dumps(const Value& v, const JsonDumpOptions& options) {
  std::string out;
  JsonWriter(options).write(out, v, 0);
  return out;
}

}  // namespace vlsi::text::jinja
