#include "vlsi/distill/paired_difference.h"

#include <cmath>

#include "vlsi/io/error.h"

namespace vlsi::distill {

double student_t_975(int64_t df) {
  check(df >= 1, "student_t_975: degrees of freedom must be >= 1, got ", df);
  // Exact table to 30 degrees of freedom (ablations have a handful of seeds);
  // beyond, the Cornish-Fisher expansion around the normal quantile, accurate
  // to about 1e-4 there.
  static const double table[30] = {12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
                                   2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
                                   2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (df <= 30) return table[df - 1];
  const double z = 1.959963984540054, n = double(df);
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n);
}

PairedDifference mean_with_interval(const std::vector<double>& d) {
  PairedDifference p;
  p.n = int64_t(d.size());
  if (d.empty()) return p;
  for (double x : d) p.mean += x;
  p.mean /= double(d.size());
  p.low = p.high = p.mean;
  if (d.size() < 2) return p;
  double ss = 0;
  for (double x : d) ss += (x - p.mean) * (x - p.mean);
  p.sd = std::sqrt(ss / double(d.size() - 1));
  const double half = student_t_975(p.n - 1) * p.sd / std::sqrt(double(p.n));
  p.low = p.mean - half;
  p.high = p.mean + half;
  return p;
}

PairedDifference paired_difference(const std::vector<int64_t>& seeds, const std::vector<double>& scores,
                                   const std::vector<int64_t>& reference_seeds,
                                   const std::vector<double>& reference_scores) {
  check(seeds.size() == scores.size() && reference_seeds.size() == reference_scores.size(),
        "paired_difference: one seed per score expected");
  std::vector<double> d;
  for (size_t i = 0; i < seeds.size(); ++i)
    for (size_t j = 0; j < reference_seeds.size(); ++j)
      if (seeds[i] == reference_seeds[j]) d.push_back(scores[i] - reference_scores[j]);
  return mean_with_interval(d);
}

}  // namespace vlsi::distill
