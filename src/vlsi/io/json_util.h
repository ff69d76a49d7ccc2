#pragma once
// JSON helpers shared by every config and data reader: errors name the file
// and the field path ("train.json: field 'optim.lr': expected number, got string").
#include <nlohmann/json.hpp>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "vlsi/io/error.h"

namespace vlsi::io {
using json = nlohmann::json;

// Parses a JSON file; a syntax error reports file, line and column. Every JSON
// vlsi reads goes through parse_json: nesting deeper than limits::kJsonDepth is
// refused before parsing (nlohmann's copy, dump and comparison recurse, and
// 100k levels overflow the stack), and every library error names `where`.
json read_json_file(const std::string& path);
// Parses text that came from `where` (a file name, "stdin", "line 12 of x.jsonl").
json parse_json(std::string_view text, const std::string& where);
// Parses line `line_no` of a JSONL file: errors read "PATH:LINE:COLUMN: ...".
json parse_json_line(std::string_view line, const std::string& path, int64_t line_no);
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
void check_holds(const json& v, const std::string& key, const std::string& where);
}  // namespace detail

template <typename T>
T get_field(const json& j, const std::string& key, const std::string& where) {
  check(j.is_object(), where, ": expected an object, got ", json_type_name(j));
  auto it = j.find(key);
  check(it != j.end(), where, ": missing field '", key, "'");
  detail::check_holds<T>(*it, key, where);
  return it->template get<T>();
}

template <typename T>
T get_or(const json& j, const std::string& key, const T& fallback, const std::string& where) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  detail::check_holds<T>(*it, key, where);
  return it->template get<T>();
}

namespace detail {
// An integer value that T holds without wrapping (a negative seed is no uint64_t).
template <typename T>
bool integer_fits(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>() <= uint64_t(std::numeric_limits<T>::max());
  const int64_t x = v.get<int64_t>();
  if constexpr (std::is_unsigned_v<T>) return x >= 0 && uint64_t(x) <= uint64_t(std::numeric_limits<T>::max());
  else return x >= int64_t(std::numeric_limits<T>::min()) && x <= int64_t(std::numeric_limits<T>::max());
}

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

template <typename T>
void check_holds(const json& v, const std::string& key, const std::string& where) {
  check(json_holds<T>(v), where, ": field '", key, "': expected ", expected_name<T>(), ", got ", json_type_name(v));
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    check(integer_fits<T>(v), where, ": field '", key, "': expected an integer in [",
          +std::numeric_limits<T>::min(), ", ", +std::numeric_limits<T>::max(), "], got ", v.dump());
}
}  // namespace detail

}  // namespace vlsi::io
