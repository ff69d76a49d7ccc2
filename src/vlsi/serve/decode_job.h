#pragma once
// One request's generation as the batch scheduler sees it (DecodeJob), and
// the channel its HTTP handler reads the answer from (JobProgress): text as
// it becomes final, then the end (finish reason) or an error. The handler
// may cancel (client gone); the scheduler then drops the request's row.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "vlsi/infer/token_sampler.h"
#include "vlsi/model/vision_inputs.h"
#include "vlsi/serve/api_error.h"

namespace vlsi::serve {

struct DecodeJob {
  std::vector<int64_t> prompt;
  model::VisionInputs images;
  int64_t max_tokens = 16;  // >= 1, already within the model's context
  infer::SamplingOptions sampling;
  std::vector<std::string> stop_strings;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

class JobProgress {
 public:
  // What happened since the last wait().
  struct Update {
    std::string text;
    bool finished = false;       // the answer is complete (or failed)
    std::string finish_reason;   // "stop" or "length" when finished without error
    int64_t completion_tokens = 0;
    std::optional<ApiError> error;
  };

  // Scheduler side.
  void add_text(const std::string& text);
  void finish(const std::string& reason, int64_t completion_tokens);
  void fail(const ApiError& error);
  bool cancelled() const { return cancelled_.load(); }

  // Handler side: waits until there is news or `most` has passed.
  Update wait(std::chrono::milliseconds most);
  void cancel() { cancelled_.store(true); }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string text_;
  bool finished_ = false;
  std::string reason_;
  int64_t completion_tokens_ = 0;
  std::optional<ApiError> error_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace vlsi::serve
