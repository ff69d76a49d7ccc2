#include "vlsi/io/kill_point.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>

#include "vlsi/io/error.h"

namespace vlsi::io {
namespace {

struct KillSpec {
  std::string point;   // empty: no hook
  long long at = 0;    // the hit that kills
  long long hits = 0;  // matching hits so far
};

KillSpec parse_spec() {
  KillSpec s;
  const char* env = std::getenv("VLSI_TEST_KILL_AT");
  if (env == nullptr || *env == '\0') return s;
  const std::string v = env;
  const size_t colon = v.rfind(':');
  char* end = nullptr;
  long long n = colon == std::string::npos ? 0 : std::strtoll(v.c_str() + colon + 1, &end, 10);
  check(colon != std::string::npos && colon > 0 && end != nullptr && *end == '\0' && n >= 1,
        "VLSI_TEST_KILL_AT: expected POINT:N (N >= 1), got \"", v, "\"");
  s.point = v.substr(0, colon);
  s.at = n;
  return s;
}

}  // namespace

bool kill_point_reached(const std::string& label, const char* point) {
  static KillSpec spec = parse_spec();
  if (spec.point.empty()) return false;
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (spec.point != point && spec.point != label + "/" + point) return false;
  return ++spec.hits == spec.at;
}

void kill_now() {
  ::kill(::getpid(), SIGKILL);
  ::_exit(137);  // not reached: SIGKILL cannot be caught
}

void kill_point(const std::string& label, const char* point) {
  if (kill_point_reached(label, point)) kill_now();
}

}  // namespace vlsi::io
