#pragma once
// JSON helpers shared by every config and data reader: errors name the file
// and the field path ("train.json: field 'optim.lr': expected number, got string").
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/io/error.h"

namespace vlsi::io {
using json = nlohmann::json;

// Parses a JSON file; a syntax error reports file, line and column.
json read_json_file(const std::string& path);
// Parses text that came from `where` (a file name, "stdin", "line 12 of x.jsonl").
json parse_json(const std::string& text, const std::string& where);
// Pretty-prints and writes atomically.
void write_json_file(const std::string& path, const json& j);

std::string json_type_name(const json& j);

// Typed read of a required field. `where` names the file/object for the error.
template <typename T>
T get_field(const json& j, const std::string& key, const std::string& where);
// Typed read of an optional field with a default.
template <typename T>
T get_or(const json& j, const std::string& key, const T& fallback, const std::string& where);

// Applies "a.b.c=value" overrides (value parsed as JSON, else taken as a string).
// Creating new keys is allowed only when `allow_new` is set, so typos are caught.
void apply_overrides(json& cfg, const std::vector<std::string>& overrides, bool allow_new = false);

// Recursively fills keys missing in `cfg` from `defaults`; fails on keys in `cfg`
// that `defaults` does not know (so a misspelt option never passes silently).
json merge_with_defaults(const json& defaults, const json& cfg, const std::string& where);

namespace detail {
template <typename T>
bool json_holds(const json& v);
template <typename T>
const char* expected_name();
}  // namespace detail

template <typename T>
T get_field(const json& j, const std::string& key, const std::string& where) {
  check(j.is_object(), where, ": expected an object, got ", json_type_name(j));
  auto it = j.find(key);
  check(it != j.end(), where, ": missing field '", key, "'");
  check(detail::json_holds<T>(*it), where, ": field '", key, "': expected ", detail::expected_name<T>(),
        ", got ", json_type_name(*it));
  return it->template get<T>();
}

template <typename T>
T get_or(const json& j, const std::string& key, const T& fallback, const std::string& where) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  check(detail::json_holds<T>(*it), where, ": field '", key, "': expected ", detail::expected_name<T>(),
        ", got ", json_type_name(*it));
  return it->template get<T>();
}

namespace detail {
template <typename T>
bool json_holds(const json& v) {
  if constexpr (std::is_same_v<T, bool>) return v.is_boolean();
  else if constexpr (std::is_integral_v<T>) return v.is_number_integer();
  else if constexpr (std::is_floating_point_v<T>) return v.is_number();
  else if constexpr (std::is_same_v<T, std::string>) return v.is_string();
  else if constexpr (std::is_same_v<T, json>) return true;
  else if constexpr (std::is_same_v<T, std::vector<int64_t>> || std::is_same_v<T, std::vector<int>>) {
    if (!v.is_array()) return false;
    for (auto& e : v) if (!e.is_number_integer()) return false;
    return true;
  } else if constexpr (std::is_same_v<T, std::vector<double>> || std::is_same_v<T, std::vector<float>>) {
    if (!v.is_array()) return false;
    for (auto& e : v) if (!e.is_number()) return false;
    return true;
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    if (!v.is_array()) return false;
    for (auto& e : v) if (!e.is_string()) return false;
    return true;
  } else {
    return true;
  }
}
template <typename T>
const char* expected_name() {
  if constexpr (std::is_same_v<T, bool>) return "boolean";
  else if constexpr (std::is_integral_v<T>) return "integer";
  else if constexpr (std::is_floating_point_v<T>) return "number";
  else if constexpr (std::is_same_v<T, std::string>) return "string";
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) return "array of strings";
  else if constexpr (std::is_same_v<T, std::vector<double>> || std::is_same_v<T, std::vector<float>>) return "array of numbers";
  else if constexpr (std::is_same_v<T, std::vector<int64_t>> || std::is_same_v<T, std::vector<int>>) return "array of integers";
  else return "value";
}
}  // namespace detail

}  // namespace vlsi::io
