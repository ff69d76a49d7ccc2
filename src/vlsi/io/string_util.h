#pragma once
// Prefix/suffix tests on std::string (C++17 has no starts_with/ends_with).
#include <string>

namespace vlsi::io {

inline bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace vlsi::io
