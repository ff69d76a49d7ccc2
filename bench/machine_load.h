#pragma once
// How busy the rest of the machine was during a measurement: CPU seconds the
// whole machine spent busy (/proc/stat) minus this process's own, as
// bench/real_size/transformers_peer.py's cpu_times() measures it, so vlsi's and
// the peer's runs state their conditions the same way.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

namespace vlsi_bench {

// Seconds every CPU of the machine was busy so far (idle and iowait left out).
inline double machine_busy_s() {
  std::FILE* f = std::fopen("/proc/stat", "r");
  if (!f) return 0;
  unsigned long long v[10] = {};
  const int n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                            &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
  std::fclose(f);
  unsigned long long busy = 0;
  for (int i = 0; i < n; ++i) busy += (i == 3 || i == 4) ? 0 : v[i];
  return double(busy) / double(::sysconf(_SC_CLK_TCK));
}

// This process's CPU seconds (user + system) so far.
inline double own_cpu_s() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

// The 1-minute load average, or -1 where /proc/loadavg cannot be read.
inline double load_average_1min() {
  double l = -1;
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &l) != 1) l = -1;
    std::fclose(f);
  }
  return l;
}

}  // namespace vlsi_bench
