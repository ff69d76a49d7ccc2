#pragma once
// Python str semantics on UTF-8 text. A Jinja string is a Python str, so
// lengths, indices and slices count code points, and whitespace, case and
// split/strip/replace follow CPython's definitions (simple case mappings:
// no "ß" -> "SS" expansion).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vlsi::text::jinja {

// str.isspace() of one code point (Unicode White_Space plus U+001C..U+001F).
bool py_is_space(char32_t cp);

// Number of code points.
int64_t py_len(const std::string& s);
// Byte offset of every code point, then s.size().
std::vector<size_t> code_point_offsets(const std::string& s);

// Python's slice.indices(): the positions a[start:stop:step] visits.
std::vector<int64_t> slice_positions(int64_t length, std::optional<int64_t> start, std::optional<int64_t> stop,
                                     int64_t step);
// s[index] / s[start:stop:step] by code points; index may be negative.
std::optional<std::string> py_char_at(const std::string& s, int64_t index);
std::string py_slice(const std::string& s, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step);

// strip/lstrip/rstrip: without `chars`, Python whitespace.
std::string py_strip(const std::string& s, const std::optional<std::string>& chars, bool left, bool right);
// split(): without `sep`, runs of whitespace, dropping empty pieces. maxsplit < 0: no limit.
std::vector<std::string> py_split(const std::string& s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> py_rsplit(const std::string& s, const std::optional<std::string>& sep, int64_t maxsplit);
std::string py_replace(const std::string& s, const std::string& old, const std::string& replacement, int64_t count);
int64_t py_find(const std::string& s, const std::string& sub);  // code point index or -1
int64_t py_count(const std::string& s, const std::string& sub);

std::string py_upper(const std::string& s);
std::string py_lower(const std::string& s);
std::string py_title(const std::string& s);
std::string py_capitalize(const std::string& s);
bool py_is_upper(const std::string& s);
bool py_is_lower(const std::string& s);

}  // namespace vlsi::text::jinja
