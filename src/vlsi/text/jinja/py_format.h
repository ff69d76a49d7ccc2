#pragma once
// How Python writes values: str() (what {{ }} prints), repr() (inside printed
// lists and dicts) and json.dumps (transformers' tojson filter).
#include <optional>
#include <string>

#include "vlsi/text/jinja/value.h"

namespace vlsi::text::jinja {

// Python's str(x); an undefined value is "".
std::string py_str(const Value& v);
// Python's repr(x).
std::string py_repr(const Value& v);
// repr(float): shortest round-trip digits, "1e+16" from 1e16 on and below 1e-4.
std::string float_repr(double v);
// repr(str): single quotes unless the text holds ' and no ".
std::string string_repr(const std::string& s);

// json.dumps(x, ensure_ascii, indent, separators, sort_keys) as transformers'
// tojson calls it. `indent`: nullopt for none, else the text of one level.
// Separators default to (", ", ": "), or (",", ": ") with an indent.
struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;
  std::optional<std::string> item_separator, key_separator;
  bool sort_keys = false;
};
std::string json_dumps(const Value& v, const JsonDumpOptions& options);

}  // namespace vlsi::text::jinja
