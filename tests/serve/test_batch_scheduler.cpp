// The batch scheduler: requests decoded together answer exactly as each would
// alone through generate(), seeded sampling does not depend on the batch, and
// limits (429, timeout, cancel) take rows out without disturbing the others.
#include <gtest/gtest.h>

#include <limits>
#include <thread>

#include "../infer/infer_fixture.h"
#include "vlsi/infer/generate.h"
#include "vlsi/serve/batch_scheduler.h"

namespace vlsi::serve::batch_scheduler_test {
namespace {

using infer::testing::prompt_batch;
using infer::testing::tiny_model;
using infer::testing::tokenizer;

struct Answer {
  std::string text, reason;
  int64_t tokens = 0;
  std::optional<ApiError> error;
};

Answer collect(JobProgress& p) {
  Answer a;
  for (;;) {
    auto u = p.wait(std::chrono::milliseconds(200));
    a.text += u.text;
    if (!u.finished) continue;
    a.reason = u.finish_reason;
    a.tokens = u.completion_tokens;
    a.error = u.error;
    return a;
  }
}

SchedulerOptions options(int64_t max_batch = 8, int64_t max_waiting = 8) {
  SchedulerOptions o;
  o.max_batch = max_batch;
  o.max_waiting = max_waiting;
  o.tokenizer = &tokenizer();
  return o;
}

// Prompts of different lengths, three with an image (one tile each).
struct Prompts {
  std::vector<std::vector<int64_t>> ids;
  std::vector<model::VisionInputs> images;
};
Prompts prompts(model::CausalVlm& m) {
  auto b = prompt_batch(m->config().single_tile_image_tokens());
  Prompts p;
  for (size_t i = 0; i < b.prompts.size(); ++i) {
    p.ids.push_back(b.prompts[i]);
    p.images.push_back(i == 0 ? model::VisionInputs() : b.images.slice(int64_t(i) - 1, 1));
  }
  for (const char* q : {"red green blue", "How many circles are there? Answer with a number.", "yellow"}) {
    p.ids.push_back(tokenizer().encode(q));
    p.images.emplace_back();
  }
  return p;
}

DecodeJob job(const Prompts& p, size_t i, int64_t max_tokens) {
  DecodeJob j;
  j.prompt = p.ids[i];
  j.images = p.images[i];
  j.max_tokens = max_tokens;
  return j;
}

infer::Generation alone(model::CausalVlm& m, const DecodeJob& j) {
  infer::GenerationOptions o;
  o.max_new_tokens = j.max_tokens;
  o.sampling = j.sampling;
  o.stop_strings = j.stop_strings;
  o.tokenizer = &tokenizer();
  return infer::generate(m, {j.prompt}, j.images, o)[0];
}

TEST(BatchScheduler, StaggeredGreedyRequestsAnswerAsGenerateAlone) {
  auto m = tiny_model();
  auto p = prompts(m);
  BatchScheduler s(m, options());
  std::vector<std::shared_ptr<JobProgress>> running;
  std::vector<DecodeJob> jobs;
  for (size_t i = 0; i < p.ids.size(); ++i) {
    // Different lengths: members leave at different steps.
    jobs.push_back(job(p, i, i == 0 ? 60 : 6 + int64_t(i) * 3));
    running.push_back(s.submit(jobs.back()));
    if (i == 1) std::this_thread::sleep_for(std::chrono::milliseconds(30));  // later ones join a running batch
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    Answer a = collect(*running[i]);
    infer::Generation g = alone(m, jobs[i]);
    ASSERT_FALSE(a.error) << a.error->what();
    EXPECT_EQ(a.text, g.text) << "request " << i;
    EXPECT_EQ(a.tokens, int64_t(g.tokens.size())) << "request " << i;
    EXPECT_EQ(a.reason, "length");
  }
  EXPECT_EQ(s.running(), 0);
}

TEST(BatchScheduler, ConcurrentRequestsShareDecodeSteps) {
  auto m = tiny_model();
  auto p = prompts(m);
  BatchScheduler s(m, options());
  std::vector<std::shared_ptr<JobProgress>> running;
  for (size_t i = 0; i < p.ids.size(); ++i) running.push_back(s.submit(job(p, i, 20)));
  int64_t tokens = 0;
  for (auto& r : running) tokens += collect(*r).tokens;
  ASSERT_EQ(tokens, 20 * int64_t(p.ids.size()));
  // One request at a time would take 19 steps each; together most steps
  // advance several rows (all six once the last has joined).
  EXPECT_EQ(s.rows_decoded(), tokens - int64_t(p.ids.size()));  // each request's first token comes from its prefill
  EXPECT_LT(s.decode_steps(), tokens / 2) << s.decode_steps() << " steps for " << s.rows_decoded() << " rows";
}

TEST(BatchScheduler, SeededSamplingIsTheSameAloneAndInABatch) {
  auto m = tiny_model();
  auto p = prompts(m);
  DecodeJob sampled = job(p, 3, 12);
  sampled.sampling.temperature = 1.0;
  sampled.sampling.top_p = 0.9;
  sampled.sampling.seed = 7;
  BatchScheduler s(m, options());
  const Answer by_itself = collect(*s.submit(sampled));
  std::vector<std::shared_ptr<JobProgress>> others;
  for (size_t i = 0; i < 3; ++i) {
    DecodeJob other = job(p, i, 12);
    other.sampling = sampled.sampling;
    other.sampling.seed = 100 + i;
    others.push_back(s.submit(other));
  }
  const Answer in_batch = collect(*s.submit(sampled));
  for (auto& o : others) collect(*o);
  EXPECT_EQ(by_itself.text, in_batch.text);
  EXPECT_EQ(by_itself.text, alone(m, sampled).text);
  sampled.sampling.seed = 8;
  EXPECT_NE(collect(*s.submit(sampled)).text, by_itself.text);
}

TEST(BatchScheduler, StopStringsCutTheAnswerAsGenerateDoes) {
  auto m = tiny_model();
  auto p = prompts(m);
  BatchScheduler s(m, options());
  DecodeJob j = job(p, 4, 16);
  const std::string full = alone(m, j).text;
  ASSERT_GE(full.size(), 6u);
  j.stop_strings = {full.substr(3, 2)};
  infer::Generation g = alone(m, j);
  Answer a = collect(*s.submit(j));
  EXPECT_EQ(a.text, g.text);
  EXPECT_EQ(a.reason, "stop");
  EXPECT_LT(a.text.size(), full.size());
}

TEST(BatchScheduler, FullQueueAnswers429AndCancelledRowsLeave) {
  auto m = tiny_model();
  auto p = prompts(m);
  BatchScheduler s(m, options(1, 0));
  auto first = s.submit(job(p, 0, 200));
  try {
    s.submit(job(p, 1, 4));
    ADD_FAILURE() << "a second request fitted in a batch of 1 with no queue";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status, 429);
  }
  first->cancel();
  for (int i = 0; i < 100 && s.running() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(s.running(), 0);
  Answer next = collect(*s.submit(job(p, 1, 4)));
  EXPECT_FALSE(next.error);
  EXPECT_EQ(next.tokens, 4);
}

TEST(BatchScheduler, PastTheDeadlineIs408AndOthersGoOn) {
  auto m = tiny_model();
  auto p = prompts(m);
  BatchScheduler s(m, options());
  DecodeJob late = job(p, 0, 200);
  // Already past when it joins (a deadline some ms ahead raced the decoding on
  // a fast machine): it leaves at the first check, after its first token.
  late.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  auto a = s.submit(late);
  auto b = s.submit(job(p, 3, 5));
  Answer la = collect(*a);
  ASSERT_TRUE(la.error);
  EXPECT_EQ(la.error->status, 408);
  Answer lb = collect(*b);
  EXPECT_FALSE(lb.error);
  EXPECT_EQ(lb.text, alone(m, job(p, 3, 5)).text);
}

TEST(BatchScheduler, AFailingModelAnswers500AndTheSchedulerGoesOn) {
  auto m = tiny_model();
  auto p = prompts(m);
  BatchScheduler s(m, options());
  const Answer before = collect(*s.submit(job(p, 3, 5)));
  ASSERT_FALSE(before.error);
  torch::Tensor weight = m->lm_head_weight();
  torch::Tensor saved = weight.clone();
  {
    torch::NoGradGuard g;
    weight.fill_(std::numeric_limits<float>::quiet_NaN());  // logits turn NaN: generation must fail, not decode garbage
  }
  Answer failed = collect(*s.submit(job(p, 3, 5)));
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->status, 500);
  {
    torch::NoGradGuard g;
    weight.copy_(saved);
  }
  const Answer after = collect(*s.submit(job(p, 3, 5)));
  ASSERT_FALSE(after.error) << after.error->what();
  EXPECT_EQ(after.text, before.text);
}

TEST(BatchScheduler, StopFailsWaitingRequestsWith503) {
  auto m = tiny_model();
  auto p = prompts(m);
  auto s = std::make_unique<BatchScheduler>(m, options(1, 4));
  auto a = s->submit(job(p, 0, 200));
  auto b = s->submit(job(p, 1, 200));
  s->stop();
  EXPECT_EQ(collect(*a).error->status, 503);
  EXPECT_EQ(collect(*b).error->status, 503);
  try {
    s->submit(job(p, 2, 2));
    ADD_FAILURE() << "a stopped scheduler took a job";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status, 503);
  }
}

}  // namespace
}  // namespace vlsi::serve::batch_scheduler_test
