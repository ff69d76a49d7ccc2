#pragma once
// Paired per-seed differences between two settings of an ablation: the seeds
// both finished are paired (a seed fixes the data order, the verbalizers and
// the matching's draws for every setting), so seed-to-seed variation that the
// two settings share cancels. The interval is Student's t over the n
// differences: mean ± t(0.975, n - 1) · sd / sqrt(n).
#include <cstdint>
#include <vector>

namespace vlsi::distill {

struct PairedDifference {
  int64_t n = 0;      // seeds present in both
  double mean = 0;    // mean of (setting - reference), in the scores' unit
  double sd = 0;      // sample standard deviation of the differences (n - 1)
  double low = 0, high = 0;  // 95 % interval; equal to mean for n < 2 (no spread to estimate)
};

// The 0.975 quantile of Student's t with `df` degrees of freedom (df >= 1).
double student_t_975(int64_t df);

// Mean, sample standard deviation and Student-t 95 % interval of differences
// already paired (n = their count).
PairedDifference mean_with_interval(const std::vector<double>& differences);

// Pairs `scores` with `reference_scores` by seed (the seed lists name which
// seed each score belongs to; seeds missing on either side are left out).
PairedDifference paired_difference(const std::vector<int64_t>& seeds, const std::vector<double>& scores,
                                   const std::vector<int64_t>& reference_seeds,
                                   const std::vector<double>& reference_scores);

}  // namespace vlsi::distill
