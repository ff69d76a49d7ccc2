#pragma once
// Divergences between verbalized teacher and student layers over N answer
// tokens, computed in chunks of tokens (method doc section 2, "Memory"), so a
// [N, vocab] tensor for every layer is never held at once:
//  - divergence_matrix: the t_s x t_l sampling matrix D of the interaction
//    step, WITHOUT gradient. Per chunk it keeps the student log-distributions of
//    all t_s layers and one teacher layer at a time: about (t_s + 5) x chunk x
//    vocab floats at the peak (t_s more with the l2 op, which needs probabilities).
//  - pair_divergence: one chosen (student layer, teacher layer) pair WITH
//    gradient on the student side (its hidden states, its verbalizer), via
//    chunked_mean (per-chunk backward): about 3 x chunk x vocab floats at the peak.
// Hidden states are [N, H] rows of the SAME N token positions for teacher and
// student (select them with answer_rows); each side may have its own width and
// vocab (the shared range is compared, see divergence.h). Chunked and unchunked
// results agree to rounding.
#include <torch/torch.h>

#include <functional>
#include <vector>

#include "vlsi/distill/divergence.h"
#include "vlsi/distill/verbalizer.h"

namespace vlsi::distill {

// Something that turns hidden rows [n, H] into logits [n, V].
struct LogitSource {
  std::function<torch::Tensor(const torch::Tensor&)> logits;
  // Every tensor used inside `logits` that may need gradient (differentiated
  // when it requires grad; frozen ones are skipped).
  std::vector<torch::Tensor> parameters;
};
// A verbalized layer: logits = verbalizer(hidden); parameters = its verb-FFN and the head's.
LogitSource verbalizer_source(const Verbalizer& verbalizer);
// The last layer (the model's own output): logits = head(hidden before the final norm).
LogitSource head_source(const OutputHead& head);

// Rows of `hidden` [B, T, H] where `mask` [B, T] is nonzero -> [N, H], in
// batch-major order. The mask marks the positions whose next-token prediction is
// compared (for answer tokens at t+1 that is position t: the usual shift).
torch::Tensor answer_rows(const torch::Tensor& hidden, const torch::Tensor& mask);

// D[i_s][i_l] = mean over the N tokens of divergence(teacher layer i_l || student layer i_s),
// [t_s, t_l] float64 on the CPU, no gradient.
torch::Tensor divergence_matrix(const std::vector<torch::Tensor>& teacher_hidden,
                                const std::vector<LogitSource>& teacher,
                                const std::vector<torch::Tensor>& student_hidden,
                                const std::vector<LogitSource>& student, const DivergenceOptions& options,
                                int64_t chunk_tokens);

// The mean divergence of one pair, a float32 scalar (float64 for float64 hidden states) carrying the gradient of the
// student side (when grad mode is on and something there requires grad). The
// teacher side is evaluated without gradient.
torch::Tensor pair_divergence(const torch::Tensor& teacher_hidden, const LogitSource& teacher,
                              const torch::Tensor& student_hidden, const LogitSource& student,
                              const DivergenceOptions& options, int64_t chunk_tokens);

}  // namespace vlsi::distill
