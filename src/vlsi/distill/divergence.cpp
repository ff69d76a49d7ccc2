#include "vlsi/distill/divergence.h"

#include "vlsi/io/error.h"

namespace vlsi::distill {

const char* divergence_op_name(DivergenceOp op) {
  switch (op) {
    case DivergenceOp::Kld: return "kld";
    case DivergenceOp::Ce: return "ce";
    case DivergenceOp::SoftCe: return "soft_ce";
    case DivergenceOp::L2: return "l2";
    case DivergenceOp::None: return "none";
  }
  return "?";
}

DivergenceOp divergence_op_from_name(const std::string& name, const std::string& where) {
  if (name == "kld" || name == "kl") return DivergenceOp::Kld;
  if (name == "ce") return DivergenceOp::Ce;
  if (name == "soft_ce") return DivergenceOp::SoftCe;
  if (name == "l2") return DivergenceOp::L2;
  if (name == "none") return DivergenceOp::None;
  fail(where, ": unknown divergence '", name, "' (expected kld, ce, soft_ce, l2 or none)");
}

const char* l2_reduction_name(L2Reduction r) { return r == L2Reduction::Sum ? "sum" : "mean"; }

L2Reduction l2_reduction_from_name(const std::string& name, const std::string& where) {
  if (name == "sum") return L2Reduction::Sum;
  if (name == "mean") return L2Reduction::Mean;
  fail(where, ": unknown L2 reduction '", name, "' (expected sum or mean)");
}

int64_t shared_vocab_size(const torch::Tensor& teacher_logits, const torch::Tensor& student_logits) {
  check(teacher_logits.dim() == 2 && student_logits.dim() == 2, "divergence: logits must be [tokens, vocab], got ",
        teacher_logits.dim(), "-d teacher and ", student_logits.dim(), "-d student logits");
  check(teacher_logits.size(0) == student_logits.size(0), "divergence: teacher has ", teacher_logits.size(0),
        " tokens, student ", student_logits.size(0));
  int64_t v = std::min(teacher_logits.size(1), student_logits.size(1));
  check(v > 0, "divergence: empty vocabulary");
  return v;
}

TokenDistribution token_distribution(const torch::Tensor& logits, int64_t vocab, double temperature) {
  check(temperature > 0, "divergence: temperature must be positive, got ", temperature);
  check(logits.dim() == 2 && logits.size(1) >= vocab, "divergence: logits [tokens, vocab] with at least ", vocab,
        " columns expected");
  auto z = logits.narrow(1, 0, vocab);
  if (z.scalar_type() != torch::kDouble) z = z.to(torch::kFloat);
  if (temperature != 1.0) z = z / temperature;
  TokenDistribution d;
  d.log_probs = torch::log_softmax(z, 1);
  d.probs = d.log_probs.exp();
  return d;
}

torch::Tensor per_token_divergence(const TokenDistribution& teacher, const TokenDistribution& student,
                                   const DivergenceOptions& options) {
  check(teacher.log_probs.sizes() == student.log_probs.sizes(), "divergence: teacher and student distributions differ in shape");
  const auto& p = teacher.probs.detach();
  const auto& log_p = teacher.log_probs.detach();
  const auto& log_q = student.log_probs;
  // p log(.) with p == 0 contributes 0 even where a log is -inf (logits of -inf).
  auto weighted = [&](const torch::Tensor& log_term) {
    return torch::where(p > 0, p * log_term, torch::zeros({}, log_term.options()));
  };
  switch (options.op) {
    case DivergenceOp::Kld:
      return weighted(log_p - log_q).sum(1);
    case DivergenceOp::Ce:  // argmax takes the first maximum, so ties resolve to the lowest token id
      return -log_q.gather(1, log_p.argmax(1, /*keepdim=*/true)).squeeze(1);
    case DivergenceOp::SoftCe:
      return -weighted(log_q).sum(1);
    case DivergenceOp::L2: {
      auto sq = (p - student.probs).pow(2);
      return options.l2_reduction == L2Reduction::Sum ? sq.sum(1) : sq.mean(1);
    }
    case DivergenceOp::None:
      return torch::zeros({p.size(0)}, p.options());
  }
  fail("divergence: unknown op");
}

torch::Tensor per_token_divergence(const torch::Tensor& teacher_logits, const torch::Tensor& student_logits,
                                   const DivergenceOptions& options) {
  int64_t vocab = shared_vocab_size(teacher_logits, student_logits);
  TokenDistribution t;
  {
    torch::NoGradGuard no_grad;
    t = token_distribution(teacher_logits.detach(), vocab, options.temperature);
  }
  return per_token_divergence(t, token_distribution(student_logits, vocab, options.temperature), options);
}

torch::Tensor mean_divergence(const torch::Tensor& teacher_logits, const torch::Tensor& student_logits,
                              const DivergenceOptions& options) {
  check(teacher_logits.dim() == 2 && teacher_logits.size(0) > 0, "divergence: no answer tokens to average over");
  return per_token_divergence(teacher_logits, student_logits, options).mean();
}

}  // namespace vlsi::distill
