#pragma once
// TEST-ONLY crash hook for the crash-safety tests (docs/reliability.md,
// "Crash-safe training"). With VLSI_TEST_KILL_AT=POINT:N in the environment
// the process sends itself SIGKILL the N-th time (1-based) it passes POINT,
// where POINT is a bare point name ("checkpoint-write") or one qualified by the
// run's label ("interact/checkpoint-write"). Without the variable every call is
// a cheap no-op; nothing outside tests should ever set it.
#include <string>

namespace vlsi::io {

// A place where a crash must be survivable. `label` is the run's label (e.g.
// "sft", "verbalize"); `point` a fixed name listed in docs/reliability.md.
void kill_point(const std::string& label, const char* point);

// For points that must leave something half-done first: counts a hit like
// kill_point and returns true when it is the one that kills; the caller does its
// damage and calls kill_now().
bool kill_point_reached(const std::string& label, const char* point);
[[noreturn]] void kill_now();

}  // namespace vlsi::io
