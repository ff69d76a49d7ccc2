#include "vlsi/io/json_util.h"

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/limits.h"

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

namespace {

// Line and column of byte `pos` in `text`, counting lines from `first_line`.
std::pair<int64_t, int64_t> line_and_column(std::string_view text, size_t pos, int64_t first_line) {
  int64_t line = first_line, col = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
  }
  return {line, col};
}

// Tokens are found as the parser finds them (strings end at an unescaped
// quote), so no parse reaches a depth this scan has not seen first.
void check_json_depth(std::string_view text, const std::string& where, int64_t first_line) {
  const int64_t max_depth = limit_value(limits::kJsonDepth);
  int64_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        auto [line, col] = line_and_column(text, i, first_line);
        fail(where, ":", line, ":", col, ": JSON nested deeper than ", max_depth, " levels",
             limit_note(limits::kJsonDepth));
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

json parse_json_at(std::string_view text, const std::string& where, int64_t first_line) {
  check_json_depth(text, where, first_line);
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // Translate the byte offset into line:column so the user can find it.
    auto [line, col] = line_and_column(text, e.byte == 0 ? 0 : e.byte - 1, first_line);
    std::string what = e.what();
    auto p = what.find("syntax error");
    fail(where, ":", line, ":", col, ": invalid JSON (", p == std::string::npos ? what : what.substr(p), ")");
  } catch (const json::exception& e) {
    // e.g. out_of_range 406: a number such as 1e400 that overflows a double.
    std::string what = e.what();
    auto p = what.find("] ");
    fail(where, ":", first_line, ": invalid JSON (", p == std::string::npos ? what : what.substr(p + 2), ")");
  }
}

}  // namespace

json parse_json(std::string_view text, const std::string& where) { return parse_json_at(text, where, 1); }

json parse_json_line(std::string_view line, const std::string& path, int64_t line_no) {
  return parse_json_at(line, path, line_no);
}

json read_json_file(const std::string& path) { return parse_json(read_file(path), path); }

void write_json_file(const std::string& path, const json& j) { write_file_atomic(path, j.dump(2) + "\n"); }

void apply_overrides(json& cfg, const std::vector<std::string>& overrides, bool allow_new) {
  for (const auto& ov : overrides) {
    auto eq = ov.find('=');
    check(eq != std::string::npos && eq > 0, "override '", ov, "': expected KEY.PATH=VALUE");
    std::string path = ov.substr(0, eq), value = ov.substr(eq + 1);
    // VALUE is JSON when it parses as JSON, else a string; too deep a value is an error.
    check_json_depth(value, "override '" + path + "'", 1);
    json parsed;
    try { parsed = json::parse(value); } catch (const json::exception&) { parsed = value; }
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
