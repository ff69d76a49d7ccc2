// Beam search (as transformers' BeamSearchScorer with early_stopping=False):
// every prompt keeps num_beams running beams; each step ranks the 2 * num_beams
// best continuations of all its beams by summed log-probability, moves those
// ending in a stop token or stop string to the finished hypotheses (only when
// ranked within num_beams), and keeps the num_beams best others. A prompt is
// done once it has num_beams hypotheses and its best running beam, normalised
// at its current length, cannot beat the worst of them. Hypotheses are ranked
// by sum log p / generated_length ^ length_penalty, the length counting the
// stop token. With one beam this is exactly greedy decoding.
#include <algorithm>
#include <cmath>
#include <limits>

#include "vlsi/infer/generate.h"
#include "vlsi/infer/text_stream.h"
#include "vlsi/io/error.h"

namespace vlsi::infer {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

struct Hypothesis {
  std::vector<int64_t> tokens;
  double score;  // length-normalised
  FinishReason finish;
};

class HypothesisList {
 public:
  HypothesisList(size_t beams, double length_penalty) : beams_(beams), length_penalty_(length_penalty) {}
  double normalised(double sum_logprob, size_t length) const {
    return sum_logprob / std::pow(double(std::max<size_t>(1, length)), length_penalty_);
  }
  void add(std::vector<int64_t> tokens, double sum_logprob, size_t length, FinishReason finish) {
    list_.push_back({std::move(tokens), normalised(sum_logprob, length), finish});
    std::stable_sort(list_.begin(), list_.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
    if (list_.size() > beams_) list_.resize(beams_);
  }
  // No running beam (best sum `best_running`, at `length`) can enter the full list.
  bool done(double best_running, size_t length) const {
    return list_.size() >= beams_ && list_.back().score >= normalised(best_running, length);
  }
  const Hypothesis& best() const {
    check(!list_.empty(), "beam search: a prompt ended without any hypothesis");
    return list_.front();
  }

 private:
  size_t beams_;
  double length_penalty_;
  std::vector<Hypothesis> list_;
};

bool ends_in_stop_string(const std::vector<int64_t>& tokens, const GenerationOptions& o) {
  if (!o.tokenizer || o.stop_strings.empty()) return false;
  return find_stop_string(o.tokenizer->decode(tokens, /*skip_special=*/true), o.stop_strings) != std::string::npos;
}

}  // namespace

std::vector<Generation> beam_search(StepModel& sm, const torch::Tensor& ids, const torch::Tensor& mask,
                                    const model::VisionInputs& images, const GenerationOptions& o) {
  const int64_t B = ids.size(0), N = o.num_beams;
  std::vector<Generation> out(static_cast<size_t>(B));
  if (o.max_new_tokens == 0) return out;
  torch::Tensor logp = torch::log_softmax(sm.prefill(ids, mask, images).to(torch::kCPU, torch::kDouble), -1);
  const int64_t V = logp.size(1);
  // Every prompt becomes N rows; only beam 0 is live at first so the first
  // step does not pick the same continuation N times.
  sm.select_rows(torch::arange(B, torch::kLong).repeat_interleave(N));
  logp = logp.repeat_interleave(N, 0);
  std::vector<double> scores(size_t(B * N), kNegInf);
  for (int64_t b = 0; b < B; ++b) scores[size_t(b * N)] = 0.0;
  std::vector<std::vector<int64_t>> beams(size_t(B * N));
  std::vector<HypothesisList> finished(size_t(B), HypothesisList(size_t(N), o.length_penalty));
  std::vector<bool> done(size_t(B), false);

  for (int64_t step = 0; step < o.max_new_tokens; ++step) {
    const size_t length = size_t(step + 1);  // generated tokens once this step's token is added
    auto cand = (logp + torch::tensor(scores, torch::kDouble).unsqueeze(1)).view({B, N * V});
    auto [top_scores, top_index] = cand.topk(std::min(2 * N, N * V), -1);
    auto ts = top_scores.accessor<double, 2>();
    auto ti = top_index.accessor<int64_t, 2>();
    std::vector<int64_t> rows, tokens;
    std::vector<double> next_scores;
    std::vector<std::vector<int64_t>> next_beams;
    for (int64_t b = 0; b < B; ++b) {
      const size_t first = rows.size();
      for (int64_t j = 0; j < top_index.size(1) && !done[size_t(b)] && int64_t(rows.size() - first) < N; ++j) {
        const double s = ts[b][j];
        if (s == kNegInf) break;
        const int64_t row = b * N + ti[b][j] / V, tok = ti[b][j] % V;
        const auto& prefix = beams[size_t(row)];
        if (std::find(o.stop_ids.begin(), o.stop_ids.end(), tok) != o.stop_ids.end()) {
          if (j < N) finished[size_t(b)].add(prefix, s, length, FinishReason::StopToken);
          continue;
        }
        std::vector<int64_t> extended = prefix;
        extended.push_back(tok);
        if (ends_in_stop_string(extended, o)) {
          if (j < N) finished[size_t(b)].add(std::move(extended), s, length, FinishReason::StopString);
          continue;
        }
        rows.push_back(row);
        tokens.push_back(tok);
        next_scores.push_back(s);
        next_beams.push_back(std::move(extended));
      }
      // A done prompt (or one short of live candidates) fills its rows with dead beams.
      while (int64_t(rows.size() - first) < N) {
        rows.push_back(b * N);
        tokens.push_back(o.pad_id);
        next_scores.push_back(kNegInf);
        next_beams.push_back(beams[size_t(b * N)]);
      }
      if (!done[size_t(b)]) done[size_t(b)] = finished[size_t(b)].done(next_scores[first], length);
    }
    beams = std::move(next_beams);
    scores = std::move(next_scores);
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
    if (step + 1 == o.max_new_tokens) {
      for (int64_t b = 0; b < B; ++b)
        for (int64_t k = 0; k < N && !done[size_t(b)]; ++k)
          if (scores[size_t(b * N + k)] != kNegInf)
            finished[size_t(b)].add(beams[size_t(b * N + k)], scores[size_t(b * N + k)], length, FinishReason::Length);
      break;
    }
    torch::Tensor row_index = torch::tensor(rows, torch::kLong);
    sm.select_rows(row_index);
    logp = torch::log_softmax(sm.step(torch::tensor(tokens, torch::kLong)).to(torch::kCPU, torch::kDouble), -1);
  }
  for (int64_t b = 0; b < B; ++b) {
    const Hypothesis& h = finished[size_t(b)].best();
    Generation& g = out[size_t(b)];
    g.tokens = h.tokens;
    g.finish = h.finish;
    g.score = h.score;
    finish_text(g, o);
    if (o.on_text && !g.text.empty()) o.on_text(size_t(b), g.text);
  }
  return out;
}

}  // namespace vlsi::infer
