#include "vlsi/train/progress.h"

#include <unistd.h>

#include <cstdio>

namespace vlsi::train {

std::string format_duration(double s) {
  char buf[32];
  if (s < 0) s = 0;
  long total = static_cast<long>(s + 0.5);
  if (total >= 3600) std::snprintf(buf, sizeof(buf), "%ldh%02ldm", total / 3600, (total % 3600) / 60);
  else if (total >= 60) std::snprintf(buf, sizeof(buf), "%ldm%02lds", total / 60, total % 60);
  else std::snprintf(buf, sizeof(buf), "%lds", total);
  return buf;
}

ProgressLine::ProgressLine(std::string label, int64_t total, int64_t every, bool print)
    : label_(std::move(label)), total_(total), every_(every > 0 ? every : 1), tty_(::isatty(2)), print_(print) {}

void ProgressLine::start(int64_t first_step) {
  first_step_ = first_step;
  tokens_ = 0;
  t0_ = std::chrono::steady_clock::now();
}

double ProgressLine::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

double ProgressLine::tokens_per_second() const {
  double e = elapsed_seconds();
  return e > 0 ? tokens_ / e : 0.0;
}

void ProgressLine::update(int64_t step, const std::string& fields, int64_t tokens_this_step) {
  tokens_ += tokens_this_step;
  int64_t done = step + 1;
  bool last = done == total_;
  if (!print_ || (!tty_ && !last && done % every_ != 0)) return;
  double e = elapsed_seconds();
  double per_step = (done - first_step_) > 0 ? e / double(done - first_step_) : 0.0;
  std::fprintf(stderr, "%s[%s] step %lld/%lld | %s | %.0f tok/s | ETA %s%s", tty_ ? "\r\033[K" : "", label_.c_str(),
               static_cast<long long>(done), static_cast<long long>(total_), fields.c_str(), tokens_per_second(),
               format_duration(per_step * double(total_ - done)).c_str(), tty_ ? "" : "\n");
  std::fflush(stderr);
}

void ProgressLine::finish(const std::string& summary) {
  if (!print_) return;
  std::fprintf(stderr, "%s[%s] %s (%s)\n", tty_ ? "\r\033[K" : "", label_.c_str(), summary.c_str(),
               format_duration(elapsed_seconds()).c_str());
}

}  // namespace vlsi::train
