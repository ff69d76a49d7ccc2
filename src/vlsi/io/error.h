#pragma once
// One exception type for every user-facing failure: its message is a single
// line naming the file/field and what was expected, printed by the CLI as-is.
#include <sstream>
#include <stdexcept>
#include <string>

namespace vlsi {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

namespace detail {
inline void append_all(std::ostringstream&) {}
template <typename T, typename... Rest>
void append_all(std::ostringstream& os, const T& v, const Rest&... rest) {
  os << v;
  append_all(os, rest...);
}
}  // namespace detail

// Builds a message from pieces: fail("model.safetensors: tensor '", name, "' has ", n, " bytes").
template <typename... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream os;
  detail::append_all(os, parts...);
  throw Error(os.str());
}

template <typename... Parts>
void check(bool ok, const Parts&... parts) {
  if (!ok) fail(parts...);
}

}  // namespace vlsi
