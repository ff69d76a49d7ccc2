#include "vlsi/distill/chunked_divergence.h"

#include "vlsi/distill/chunked_mean.h"
#include "vlsi/io/error.h"

namespace vlsi::distill {

LogitSource verbalizer_source(const Verbalizer& verbalizer) {
  check(!verbalizer.is_empty(), "verbalizer_source: the verbalizer is not constructed");
  LogitSource s;
  auto v = verbalizer.ptr();  // shared: the source calls the live module
  s.logits = [v](const torch::Tensor& h) { return v->forward(h); };
  s.parameters = v->parameters();
  for (const auto& p : v->head().parameters) s.parameters.push_back(p);
  return s;
}

LogitSource head_source(const OutputHead& head) {
  check(head.defined(), "head_source: the output head is not set");
  LogitSource s;
  s.logits = [head](const torch::Tensor& h) { return head(h); };
  s.parameters = head.parameters;
  return s;
}

torch::Tensor answer_rows(const torch::Tensor& hidden, const torch::Tensor& mask) {
  check(hidden.dim() == 3 && mask.dim() == 2 && hidden.size(0) == mask.size(0) && hidden.size(1) == mask.size(1),
        "answer_rows: expected hidden [B, T, H] and mask [B, T], got ", hidden.sizes(), " and ", mask.sizes());
  return hidden.index({mask.to(hidden.device()).ne(0)});
}

namespace {
void check_rows(const std::vector<torch::Tensor>& hidden, size_t sources, const char* side, int64_t n) {
  check(!hidden.empty(), "divergence matrix: no ", side, " layers");
  check(hidden.size() == sources, "divergence matrix: ", hidden.size(), " ", side, " hidden states but ", sources,
        " verbalizers");
  for (const auto& h : hidden)
    check(h.dim() == 2 && h.size(0) == n, "divergence matrix: ", side, " hidden states must be [", n,
          ", H] (the same answer tokens on both sides), got ", h.sizes());
}
}  // namespace

torch::Tensor divergence_matrix(const std::vector<torch::Tensor>& teacher_hidden,
                                const std::vector<LogitSource>& teacher,
                                const std::vector<torch::Tensor>& student_hidden,
                                const std::vector<LogitSource>& student, const DivergenceOptions& options,
                                int64_t chunk_tokens) {
  check(chunk_tokens >= 1, "divergence matrix: chunk_tokens must be >= 1, got ", chunk_tokens);
  check(!teacher_hidden.empty(), "divergence matrix: no teacher layers");
  const int64_t n = teacher_hidden.front().size(0);
  check(n > 0, "divergence matrix: no answer tokens");
  check_rows(teacher_hidden, teacher.size(), "teacher", n);
  check_rows(student_hidden, student.size(), "student", n);
  const int64_t ts = int64_t(student.size()), tl = int64_t(teacher.size());

  torch::NoGradGuard no_grad;
  torch::Tensor sums;  // [t_s, t_l] float64 on the logits' device, moved to the CPU at the end
  for (int64_t b = 0; b < n; b += chunk_tokens) {
    const int64_t len = std::min(chunk_tokens, n - b);
    auto teacher_logits = [&](int64_t j) {
      auto z = teacher[j].logits(teacher_hidden[j].narrow(0, b, len));
      check(z.dim() == 2 && z.size(0) == len, "divergence matrix: teacher layer ", j, " gave logits ", z.sizes());
      return z;
    };
    auto first_teacher = teacher_logits(0);
    const int64_t teacher_vocab = first_teacher.size(1);
    // Student distributions of every layer for this chunk; their logits are dropped
    // at once, and their probabilities too unless the op needs them (l2).
    std::vector<TokenDistribution> students;
    int64_t vocab = 0;
    for (int64_t i = 0; i < ts; ++i) {
      auto z = student[i].logits(student_hidden[i].narrow(0, b, len));
      int64_t v = shared_vocab_size(first_teacher, z);
      check(i == 0 || v == vocab, "divergence matrix: student layer ", i, " has ", z.size(1),
            " logit columns, unlike the other student layers");
      vocab = v;
      students.push_back(token_distribution(z, vocab, options.temperature));
      if (options.op != DivergenceOp::L2) students.back().probs = torch::Tensor();
    }
    if (!sums.defined()) sums = torch::zeros({ts, tl}, first_teacher.options().dtype(torch::kDouble));
    for (int64_t j = 0; j < tl; ++j) {
      auto z = j == 0 ? first_teacher : teacher_logits(j);
      check(z.size(1) == teacher_vocab, "divergence matrix: teacher layer ", j, " has ", z.size(1),
            " logit columns, unlike teacher layer 0 (", teacher_vocab, ")");
      if (j == 0) first_teacher = torch::Tensor();
      auto t = token_distribution(z, vocab, options.temperature);
      z = torch::Tensor();
      std::vector<torch::Tensor> column;
      for (int64_t i = 0; i < ts; ++i) column.push_back(per_token_divergence(t, students[i], options).sum());
      sums.select(1, j).add_(torch::stack(column).to(torch::kDouble));
    }
  }
  sums = sums.cpu();
  return sums / double(n);
}

torch::Tensor pair_divergence(const torch::Tensor& teacher_hidden, const LogitSource& teacher,
                              const torch::Tensor& student_hidden, const LogitSource& student,
                              const DivergenceOptions& options, int64_t chunk_tokens) {
  check(teacher_hidden.dim() == 2 && student_hidden.dim() == 2 && teacher_hidden.size(0) == student_hidden.size(0),
        "pair divergence: expected teacher and student hidden states [N, H] over the same N tokens, got ",
        teacher_hidden.sizes(), " and ", student_hidden.sizes());
  return chunked_mean(student_hidden, student.parameters, chunk_tokens,
                      [&](const torch::Tensor& rows, int64_t begin) {
                        torch::Tensor t_logits;
                        {
                          torch::NoGradGuard no_grad;
                          t_logits = teacher.logits(teacher_hidden.narrow(0, begin, rows.size(0)));
                        }
                        return per_token_divergence(t_logits, student.logits(rows), options);
                      });
}

}  // namespace vlsi::distill
