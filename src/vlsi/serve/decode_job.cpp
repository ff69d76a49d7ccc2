#include "vlsi/serve/decode_job.h"

namespace vlsi::serve {

void JobProgress::add_text(const std::string& text) {
  if (text.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    text_ += text;
  }
  changed_.notify_all();
}

void JobProgress::finish(const std::string& reason, int64_t completion_tokens) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    reason_ = reason;
    completion_tokens_ = completion_tokens;
  }
  changed_.notify_all();
}

void JobProgress::fail(const ApiError& error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    error_ = error;
  }
  changed_.notify_all();
}

JobProgress::Update JobProgress::wait(std::chrono::milliseconds most) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, most, [&] { return finished_ || !text_.empty(); });
  Update u;
  u.text.swap(text_);
  u.finished = finished_;
  u.finish_reason = reason_;
  u.completion_tokens = completion_tokens_;
  u.error = error_;
  return u;
}

}  // namespace vlsi::serve
