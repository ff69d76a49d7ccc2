#pragma once
// The one thread that runs a served model. Requests are submitted from HTTP
// handler threads; the scheduler prefills each alone, then adds it to the
// running batch (infer::ContinuousBatch), where every decode step advances
// all members by one token together. A member leaves when it is done (stop
// token or string, max_tokens), cancelled (client gone) or past its deadline,
// and the others go on. Each member has its own sampler (seeded per request),
// so its tokens do not depend on what else is in the batch.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vlsi/model/causal_vlm.h"
#include "vlsi/serve/decode_job.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::serve {

struct SchedulerOptions {
  int64_t max_batch = 32;    // members decoded together
  int64_t max_waiting = 32;  // requests queued beyond a full batch; more get 429
  int64_t pad_id = 0;
  std::vector<int64_t> stop_ids;  // end an answer (not part of it): <|im_end|>, <|endoftext|>
  const text::Tokenizer* tokenizer = nullptr;  // detokenizes the answers; outlives the scheduler
};

class BatchScheduler {
 public:
  BatchScheduler(model::CausalVlm model, SchedulerOptions options);
  ~BatchScheduler();  // stop(), then waits for the thread
  BatchScheduler(const BatchScheduler&) = delete;
  BatchScheduler& operator=(const BatchScheduler&) = delete;

  // Queues a job; throws ApiError 429 when max_batch + max_waiting are taken,
  // 503 once stopping.
  std::shared_ptr<JobProgress> submit(DecodeJob job);
  // Fails every queued and running job and ends the thread.
  void stop();

  int64_t running() const;  // members of the batch plus queued jobs
  // Decode steps run so far and the rows they advanced: rows / steps is the
  // mean batch size (GET /health reports both).
  int64_t decode_steps() const { return decode_steps_.load(); }
  int64_t rows_decoded() const { return rows_decoded_.load(); }

 private:
  struct Queued {
    DecodeJob job;
    std::shared_ptr<JobProgress> progress;
  };
  struct Member;
  struct State;
  void run();
  void admit(Queued& q);
  void step_members();
  void drop_leaving();
  void publish_count();  // members_running_ = the batch's size
  void fail_batch(const std::string& why);  // 500 to every member, a fresh batch
  // Takes the member's new token; true when its answer is complete.
  bool accept(Member& m, int64_t token);

  model::CausalVlm model_;
  SchedulerOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Queued> queue_;
  int64_t members_running_ = 0;  // guarded by mutex_ (mirrors members_.size())
  bool stopping_ = false;
  std::atomic<int64_t> decode_steps_{0}, rows_decoded_{0};
  std::unique_ptr<State> state_;  // scheduler thread only
  std::thread thread_;
};

}  // namespace vlsi::serve
