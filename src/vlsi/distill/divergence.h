#pragma once
// Per-token divergences between a teacher's and a student's next-token
// distributions (method doc section 2, "intermediate-layer op" and "last-layer
// op": KLD | CE | L2 | none).
//
// Shared vocabulary: teacher and student share one tokenizer, but their padded
// vocab sizes may differ (Qwen2: 151936 vs 152064). Only the first
// min(V_teacher, V_student) logit columns are compared, and each distribution is
// a softmax over that shared range (the padding rows are untrained tokens, so
// both sides become proper distributions over the same token set). Checking
// that the tokenizers agree is the caller's job.
//
// With p = softmax(teacher / T), q = softmax(student / T) over the shared range:
//   kld  sum_v p_v (log p_v - log q_v)   forward KL(teacher || student)
//   ce   -log q_{argmax p}               hard-label cross-entropy: the teacher's top token
//                                        is the target (ties: the lowest token id). The method
//                                        doc leaves "CE" open; the soft-target reading below has
//                                        the same student gradient as kld, so it could not be the
//                                        op the paper ablates against KLD (docs/distill.md).
//   soft_ce -sum_v p_v log q_v           cross-entropy with the teacher as soft target
//                                        (= kld + entropy(p): same student gradient, other value)
//   l2   sum_v (p_v - q_v)^2             SQUARED L2 distance between the probability
//                                        vectors, summed over the vocab (l2_reduction
//                                        = mean divides by the shared vocab size)
//   none 0 (the op is switched off)
// No T^2 factor is applied; at the default T = 1 the choice is moot.
// The teacher is always a constant target: its logits are detached.
// Values are computed in at least float32 whatever the logits' dtype.
#include <torch/torch.h>

#include <string>

namespace vlsi::distill {

enum class DivergenceOp { Kld, Ce, SoftCe, L2, None };
const char* divergence_op_name(DivergenceOp op);  // "kld", "ce", "soft_ce", "l2", "none"
// Inverse of divergence_op_name (also accepts "kl"); `where` names the field for the error.
DivergenceOp divergence_op_from_name(const std::string& name, const std::string& where);

enum class L2Reduction { Sum, Mean };
const char* l2_reduction_name(L2Reduction r);  // "sum", "mean"
L2Reduction l2_reduction_from_name(const std::string& name, const std::string& where);

struct DivergenceOptions {
  DivergenceOp op = DivergenceOp::Kld;
  double temperature = 1.0;
  L2Reduction l2_reduction = L2Reduction::Sum;
};

// min(V_teacher, V_student), after checking both are [N, V] with the same N.
int64_t shared_vocab_size(const torch::Tensor& teacher_logits, const torch::Tensor& student_logits);

// A distribution over the first `vocab` columns of `logits` [N, V] at `temperature`.
struct TokenDistribution {
  torch::Tensor log_probs;  // [N, vocab], float32 or float64
  torch::Tensor probs;      // exp(log_probs)
};
TokenDistribution token_distribution(const torch::Tensor& logits, int64_t vocab, double temperature);

// Per-token divergence [N] between prepared distributions (teacher first).
torch::Tensor per_token_divergence(const TokenDistribution& teacher, const TokenDistribution& student,
                                   const DivergenceOptions& options);

// Per-token divergence [N] between logits [N, V_t] and [N, V_s] over the shared range.
torch::Tensor per_token_divergence(const torch::Tensor& teacher_logits, const torch::Tensor& student_logits,
                                   const DivergenceOptions& options);

// Mean over the N tokens (the selected answer positions) of per_token_divergence.
torch::Tensor mean_divergence(const torch::Tensor& teacher_logits, const torch::Tensor& student_logits,
                              const DivergenceOptions& options);

}  // namespace vlsi::distill
