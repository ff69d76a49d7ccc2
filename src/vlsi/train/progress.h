#pragma once
// Live progress line for long work: step/total, loss, tokens/s, ETA. Rewrites one
// terminal line when stderr is a terminal, else prints a line every `every` steps.
#include <chrono>
#include <cstdint>
#include <string>

namespace vlsi::train {

std::string format_duration(double seconds);

class ProgressLine {
 public:
  // `print` false keeps it silent (the ranks of a data-parallel job other than 0) but still measuring.
  ProgressLine(std::string label, int64_t total, int64_t every, bool print = true);
  // `start` is the first step of this process (after a resume) so rates are honest.
  void start(int64_t first_step);
  void update(int64_t step, const std::string& fields, int64_t tokens_this_step);
  void finish(const std::string& summary);
  double tokens_per_second() const;
  double elapsed_seconds() const;

 private:
  std::string label_;
  int64_t total_, every_, first_step_ = 0;
  int64_t tokens_ = 0;
  bool tty_;
  bool print_;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace vlsi::train
