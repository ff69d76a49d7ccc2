#pragma once
// Adaptive, order-preserving layer matching of the interaction step (VLsI
// Algorithm 1, as the method doc section 2 states it). Given the sampling matrix
// D [t_s, t_l] (D[i_s][j] = divergence of teacher target j from student target
// i_s, see chunked_divergence.h), each student target i_s = 0..t_s-1 in order is
// matched to one teacher target index (0-based into the TEACHER'S TARGET LIST,
// not a decoder-layer number).
//
// Candidates of student target i_s: a contiguous range lo..hi (inclusive), with
// prev the teacher index matched to i_s - 1 (prev = -1 for i_s = 0):
//   hi = t_l - t_s + i_s          when search_band is on (leaves one teacher
//                                 target for every later student target)
//      = t_l - 1                  when it is off
//   lo = prev + 1                 when order_preservation is on
//      = i_s                      when it is off and search_band is on (the band is
//                                 then the set of teacher indices any order-preserving
//                                 matching could give i_s)
//      = 0                        when both are off
// Band and order on together is exactly the pseudo-code (prev + 1 >= i_s always).
// Order on with the band off can run out of teacher targets; then lo = hi = t_l - 1,
// so indices are non-decreasing but no longer strictly increasing -- only the band
// guarantees strict increase.
//
// Strategy over the candidates, with k_j = D[i_s][j] for j in lo..hi:
//   multinomial  j ~ softmax(-k / T) (lower divergence, likelier), T adaptive or fixed
//   bottom-k     the bottom_k candidates with the smallest k (ties: the lower index;
//                all of them when fewer), one picked uniformly at random;
//                bottom-1 is the deterministic argmin
//   random       uniform over the candidates, ignoring D
//   uniform      i_l = i_s * floor(t_l / t_s), ignoring D and the candidate range.
//                It always lies inside the band and strictly increases (t_l >= t_s:
//                f = floor(t_l / t_s) >= 1, so i_s <= i_s * f, and i_s (f - 1) <= (t_s - 1)(t_l - t_s) / t_s
//                <= t_l - t_s, i.e. i_s * f <= t_l - t_s + i_s).
// Adaptive temperature (the paper's formula is garbled; both readings offered):
//   scale_over_range (default)  T = scale / (max(k) - min(k) + eps)
//   range_over_scale            T = (max(k) - min(k) + eps) / scale
// with scale = 2 and eps = 1e-6 by default; adaptive off uses fixed_temperature.
// Effect: under range_over_scale the logits -k/T span about `scale` nats whatever
// the divergences' magnitude; under scale_over_range they span about range^2 / scale
// (near-uniform when the candidates are close, sharp when they are far apart).
//
// Every draw comes from the matcher's own generator: the same seed and the same
// sequence of D give the same matches (save/restore the state to resume).
#include <ATen/core/Generator.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/io/field_table.h"

namespace vlsi::distill {

enum class MatchingStrategy { Random, Uniform, BottomK, Multinomial };
const char* matching_strategy_name(MatchingStrategy s);  // "random", "uniform", "bottom-k", "multinomial"
MatchingStrategy matching_strategy_from_name(const std::string& name, const std::string& where);

enum class TemperatureRule { ScaleOverRange, RangeOverScale };
const char* temperature_rule_name(TemperatureRule r);  // "scale_over_range", "range_over_scale"
TemperatureRule temperature_rule_from_name(const std::string& name, const std::string& where);

struct LayerMatcherOptions {
  MatchingStrategy strategy = MatchingStrategy::Multinomial;
  int64_t bottom_k = 1;
  bool search_band = true;
  bool order_preservation = true;
  bool adaptive_temperature = true;
  TemperatureRule temperature_rule = TemperatureRule::ScaleOverRange;
  double temperature_scale = 2.0;
  double temperature_eps = 1e-6;
  double fixed_temperature = 1.0;  // multinomial with adaptive_temperature off
  uint64_t seed = 0;               // the matcher's own generator (sampled strategies)

  // The "matching" config block (io/field_table.h).
  static const io::FieldTable<LayerMatcherOptions>& fields();
  void validate(const std::string& where = "layer matching") const;
};

// T of the adaptive rule for candidate divergences k (non-empty, finite).
double adaptive_temperature(const std::vector<double>& k, TemperatureRule rule, double scale, double eps);

struct LayerMatch {
  std::vector<int64_t> teacher_index;  // per student target: index into the teacher's target list
  std::vector<double> temperature;     // softmax temperature used (multinomial); NaN for other strategies
  std::vector<int64_t> candidate_lo;   // the candidate range considered (inclusive);
  std::vector<int64_t> candidate_hi;   // for uniform, the chosen index itself
  std::vector<double> candidate_spread;  // max - min of D over the candidates (0 for one); NaN if not finite
};
// {"teacher_index", "temperature", "band": [[lo, hi], ...], "d_spread"} for the training
// log (NaN -> null).
nlohmann::json layer_match_to_json(const LayerMatch& m);

class LayerMatcher {
 public:
  LayerMatcher(const LayerMatcherOptions& options, uint64_t seed);

  // D: [t_s, t_l] with 1 <= t_s <= t_l, finite (any float dtype, any device).
  LayerMatch match(const torch::Tensor& divergence);

  const LayerMatcherOptions& options() const { return options_; }
  // The generator's state, to checkpoint and resume a run's sampling exactly.
  torch::Tensor generator_state() const;
  void set_generator_state(const torch::Tensor& state);

 private:
  int64_t pick(const std::vector<double>& k, double* temperature);
  int64_t draw_below(int64_t n);  // uniform in 0..n-1

  LayerMatcherOptions options_;
  mutable at::Generator generator_;
};

}  // namespace vlsi::distill
