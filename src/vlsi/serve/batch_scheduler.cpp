#include "vlsi/serve/batch_scheduler.h"

#include <algorithm>

#include "vlsi/infer/continuous_batch.h"
#include "vlsi/infer/text_stream.h"
#include "vlsi/io/error.h"

namespace vlsi::serve {

struct BatchScheduler::Member {
  std::shared_ptr<JobProgress> progress;
  std::unique_ptr<infer::TokenSampler> sampler;
  std::unique_ptr<infer::TextStream> stream;
  int64_t produced = 0, max_tokens = 0;
  int64_t next_token = 0;  // the token the next step appends
  std::chrono::steady_clock::time_point deadline;
  bool done = false;       // leaves the batch before the next step
};

struct BatchScheduler::State {
  State(model::CausalVlm& model, int64_t pad_id) : batch(model, pad_id) {}
  infer::ContinuousBatch batch;
  std::vector<Member> members;  // row r of the batch is members[r]
};

BatchScheduler::BatchScheduler(model::CausalVlm model, SchedulerOptions options)
    : model_(std::move(model)), options_(std::move(options)) {
  check(options_.max_batch >= 1, "serve: --max-batch must be >= 1, got ", options_.max_batch);
  check(options_.tokenizer != nullptr, "serve: the scheduler needs the model's tokenizer");
  check(options_.max_waiting >= 0, "serve: --max-waiting must be >= 0, got ", options_.max_waiting);
  state_ = std::make_unique<State>(model_, options_.pad_id);
  thread_ = std::thread([this] { run(); });
}

BatchScheduler::~BatchScheduler() {
  stop();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<JobProgress> BatchScheduler::submit(DecodeJob job) {
  auto progress = std::make_shared<JobProgress>();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) throw ApiError(503, "the server is shutting down", "", "shutting_down");
    if (members_running_ + int64_t(queue_.size()) >= options_.max_batch + options_.max_waiting)
      throw ApiError(429, "the server is busy: " + std::to_string(options_.max_batch + options_.max_waiting) +
                              " requests are running or queued; retry later", "", "rate_limit_exceeded");
    queue_.push_back({std::move(job), progress});
  }
  wake_.notify_all();
  return progress;
}

void BatchScheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

int64_t BatchScheduler::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return members_running_ + int64_t(queue_.size());
}

void BatchScheduler::run() {
  torch::NoGradGuard no_grad;
  auto& members = state_->members;
  for (;;) {
    std::vector<Queued> joining;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || !members.empty(); });
      if (stopping_) break;
      while (!queue_.empty() && int64_t(members.size() + joining.size()) < options_.max_batch) {
        joining.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      members_running_ = int64_t(members.size() + joining.size());
    }
    try {
      for (auto& q : joining) admit(q);
      drop_leaving();
      if (!members.empty()) step_members();
      drop_leaving();
    } catch (const std::exception& e) {
      fail_batch(e.what());  // nothing may end this thread but stop()
    }
    publish_count();
  }
  const ApiError shutdown(503, "the server is shutting down", "", "shutting_down");
  for (auto& m : members) m.progress->fail(shutdown);
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& q : queue_) q.progress->fail(shutdown);
  queue_.clear();
}

void BatchScheduler::admit(Queued& q) {
  if (q.progress->cancelled()) return;
  Member m;
  m.progress = q.progress;
  m.max_tokens = q.job.max_tokens;
  m.deadline = q.job.deadline;
  try {
    m.sampler = std::make_unique<infer::TokenSampler>(q.job.sampling);
    m.stream = std::make_unique<infer::TextStream>(*options_.tokenizer, q.job.stop_strings);
    infer::PrefilledRow row = state_->batch.prefill(q.job.prompt, q.job.images, q.job.max_tokens);
    const int64_t first = m.sampler->choose(row.logits)[0].item<int64_t>();
    if (accept(m, first)) return;  // answered by its first token: never joins
    state_->batch.join(std::move(row));
    state_->members.push_back(std::move(m));
  } catch (const std::exception& e) {
    // The request was checked before it was queued: what fails here is the model's side.
    q.progress->fail(ApiError(500, std::string("generation failed: ") + e.what()));
  }
}

void BatchScheduler::step_members() {
  auto& members = state_->members;
  std::vector<int64_t> tokens;
  for (const auto& m : members) tokens.push_back(m.next_token);
  try {
    torch::Tensor logits = state_->batch.step(torch::tensor(tokens, torch::kLong)).cpu();
    decode_steps_.fetch_add(1);
    rows_decoded_.fetch_add(int64_t(members.size()));
    for (size_t r = 0; r < members.size(); ++r) {
      Member& m = members[r];
      const int64_t token = m.sampler->choose(logits.narrow(0, int64_t(r), 1))[0].item<int64_t>();
      m.done = accept(m, token);
    }
  } catch (const std::exception& e) {
    fail_batch(e.what());
  }
}

void BatchScheduler::fail_batch(const std::string& why) {
  // The shared cache is in an unknown state after a failure: every member ends, the batch starts afresh.
  const ApiError failed(500, "generation failed: " + why);
  for (auto& m : state_->members) m.progress->fail(failed);
  state_->members.clear();
  state_->batch = infer::ContinuousBatch(model_, options_.pad_id);
}

bool BatchScheduler::accept(Member& m, int64_t token) {
  auto end = [&](const char* reason) {
    m.progress->add_text(m.stream->finish());
    m.progress->finish(reason, m.produced);
    return true;
  };
  if (std::find(options_.stop_ids.begin(), options_.stop_ids.end(), token) != options_.stop_ids.end()) return end("stop");
  ++m.produced;
  m.progress->add_text(m.stream->push(token));
  if (m.stream->stopped()) return end("stop");
  if (m.produced >= m.max_tokens) return end("length");
  m.next_token = token;
  return false;
}

void BatchScheduler::drop_leaving() {
  auto& members = state_->members;
  const auto now = std::chrono::steady_clock::now();
  std::vector<int64_t> leaving;
  for (size_t r = 0; r < members.size(); ++r) {
    Member& m = members[r];
    if (!m.done && m.progress->cancelled()) m.done = true;
    if (!m.done && now > m.deadline) {
      m.progress->fail(ApiError(408, "the request timed out after " + std::to_string(m.produced) +
                                         " generated tokens (the server's --request-timeout)", "", "request_timeout"));
      m.done = true;
    }
    if (m.done) leaving.push_back(int64_t(r));
  }
  if (leaving.empty()) return;
  state_->batch.leave(leaving);
  std::vector<Member> kept;
  for (auto& m : members)
    if (!m.done) kept.push_back(std::move(m));
  members = std::move(kept);
}

void BatchScheduler::publish_count() {
  std::lock_guard<std::mutex> lock(mutex_);
  members_running_ = int64_t(state_->members.size());
}

}  // namespace vlsi::serve
