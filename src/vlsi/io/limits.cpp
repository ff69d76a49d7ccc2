#include "vlsi/io/limits.h"

#include <cerrno>
#include <cstdlib>

#include "vlsi/io/error.h"

namespace vlsi::io {

int64_t limit_value(const Limit& limit) {
  const char* text = limit.env ? std::getenv(limit.env) : nullptr;
  if (!text || !*text) return limit.default_value;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text, &end, 10);
  check(errno == 0 && end && *end == '\0' && v > 0, "environment variable ", limit.env, "='", text,
        "': expected a positive integer (the limit on ", limit.what, ")");
  return v;
}

std::string limit_note(const Limit& limit) {
  std::string note = " (limit " + std::to_string(limit_value(limit));
  if (limit.env) note += std::string("; raise it with ") + limit.env + "=N";
  return note + ")";
}

}  // namespace vlsi::io
