#include "vlsi/io/json_util.h"

#include "vlsi/io/atomic_file.h"

namespace vlsi::io {

std::string json_type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    default: return "binary";
  }
}

json parse_json(const std::string& text, const std::string& where) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // Translate the byte offset into line:column so the user can find it.
    size_t pos = std::min<size_t>(e.byte, text.size());
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < pos; ++i) {
      if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
    }
    std::string what = e.what();
    auto p = what.find("syntax error");
    fail(where, ":", line, ":", col, ": invalid JSON (", p == std::string::npos ? what : what.substr(p), ")");
  }
}

json read_json_file(const std::string& path) { return parse_json(read_file(path), path); }

void write_json_file(const std::string& path, const json& j) { write_file_atomic(path, j.dump(2) + "\n"); }

void apply_overrides(json& cfg, const std::vector<std::string>& overrides, bool allow_new) {
  for (const auto& ov : overrides) {
    auto eq = ov.find('=');
    check(eq != std::string::npos && eq > 0, "override '", ov, "': expected KEY.PATH=VALUE");
    std::string path = ov.substr(0, eq), value = ov.substr(eq + 1);
    json parsed;
    try { parsed = json::parse(value); } catch (const json::parse_error&) { parsed = value; }
    json* node = &cfg;
    size_t start = 0;
    while (true) {
      size_t dot = path.find('.', start);
      std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      check(node->is_object(), "override '", ov, "': '", path.substr(0, start ? start - 1 : 0), "' is not an object");
      bool exists = node->contains(key);
      check(exists || allow_new, "override '", ov, "': unknown key '", path.substr(0, dot), "'");
      if (dot == std::string::npos) {
        (*node)[key] = parsed;
        break;
      }
      if (!exists) (*node)[key] = json::object();
      node = &(*node)[key];
      start = dot + 1;
    }
  }
}

json merge_with_defaults(const json& defaults, const json& cfg, const std::string& where) {
  check(cfg.is_object(), where, ": expected an object, got ", json_type_name(cfg));
  json out = defaults;
  for (auto it = cfg.begin(); it != cfg.end(); ++it) {
    check(defaults.contains(it.key()), where, ": unknown field '", it.key(), "'");
    const json& d = defaults[it.key()];
    if (d.is_object() && !d.empty()) out[it.key()] = merge_with_defaults(d, it.value(), where + "." + it.key());
    else out[it.key()] = it.value();
  }
  return out;
}

}  // namespace vlsi::io
