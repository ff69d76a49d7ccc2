#include "vlsi/distill/layer_matcher.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>

#include "vlsi/io/error.h"

namespace vlsi::distill {

const char* matching_strategy_name(MatchingStrategy s) {
  switch (s) {
    case MatchingStrategy::Random: return "random";
    case MatchingStrategy::Uniform: return "uniform";
    case MatchingStrategy::BottomK: return "bottom-k";
    case MatchingStrategy::Multinomial: return "multinomial";
  }
  return "?";
}

MatchingStrategy matching_strategy_from_name(const std::string& name, const std::string& where) {
  if (name == "random") return MatchingStrategy::Random;
  if (name == "uniform") return MatchingStrategy::Uniform;
  if (name == "bottom-k" || name == "bottom_k") return MatchingStrategy::BottomK;
  if (name == "multinomial") return MatchingStrategy::Multinomial;
  fail(where, ": unknown matching strategy '", name, "' (expected random, uniform, bottom-k or multinomial)");
}

const char* temperature_rule_name(TemperatureRule r) {
  return r == TemperatureRule::ScaleOverRange ? "scale_over_range" : "range_over_scale";
}

TemperatureRule temperature_rule_from_name(const std::string& name, const std::string& where) {
  if (name == "scale_over_range") return TemperatureRule::ScaleOverRange;
  if (name == "range_over_scale") return TemperatureRule::RangeOverScale;
  fail(where, ": unknown temperature rule '", name, "' (expected scale_over_range or range_over_scale)");
}

const io::FieldTable<LayerMatcherOptions>& LayerMatcherOptions::fields() {
  using O = LayerMatcherOptions;
  static const auto table = io::FieldTable<O>()
                                .named("strategy", &O::strategy, matching_strategy_name, matching_strategy_from_name)
                                .field("bottom_k", &O::bottom_k)
                                .field("search_band", &O::search_band)
                                .field("order_preservation", &O::order_preservation)
                                .field("adaptive_temperature", &O::adaptive_temperature)
                                .named("temperature_rule", &O::temperature_rule, temperature_rule_name,
                                       temperature_rule_from_name)
                                .field("temperature_scale", &O::temperature_scale)
                                .field("temperature_eps", &O::temperature_eps)
                                .field("fixed_temperature", &O::fixed_temperature)
                                .field("seed", &O::seed);
  return table;
}

void LayerMatcherOptions::validate(const std::string& where) const {
  check(bottom_k >= 1, where, ": bottom_k must be >= 1, got ", bottom_k);
  check(temperature_scale > 0 && std::isfinite(temperature_scale), where, ": temperature scale must be positive, got ",
        temperature_scale);
  check(temperature_eps > 0 && std::isfinite(temperature_eps), where, ": temperature eps must be positive, got ",
        temperature_eps);
  check(fixed_temperature > 0 && std::isfinite(fixed_temperature), where, ": fixed temperature must be positive, got ",
        fixed_temperature);
}

double adaptive_temperature(const std::vector<double>& k, TemperatureRule rule, double scale, double eps) {
  check(!k.empty(), "adaptive temperature: no candidate divergences");
  auto [mn, mx] = std::minmax_element(k.begin(), k.end());
  const double range = *mx - *mn;
  return rule == TemperatureRule::ScaleOverRange ? scale / (range + eps) : (range + eps) / scale;
}

nlohmann::json layer_match_to_json(const LayerMatch& m) {
  nlohmann::json temps = nlohmann::json::array();
  for (double t : m.temperature) temps.push_back(std::isfinite(t) ? nlohmann::json(t) : nlohmann::json());
  nlohmann::json spreads = nlohmann::json::array(), bands = nlohmann::json::array();
  for (double x : m.candidate_spread) spreads.push_back(std::isfinite(x) ? nlohmann::json(x) : nlohmann::json());
  for (size_t i = 0; i < m.candidate_lo.size(); ++i) bands.push_back({m.candidate_lo[i], m.candidate_hi[i]});
  return {{"teacher_index", m.teacher_index}, {"temperature", temps}, {"band", bands}, {"d_spread", spreads}};
}

LayerMatcher::LayerMatcher(const LayerMatcherOptions& options, uint64_t seed)
    : options_(options), generator_(at::make_generator<at::CPUGeneratorImpl>(seed)) {
  options_.validate();
}

torch::Tensor LayerMatcher::generator_state() const {
  std::lock_guard<std::mutex> lock(generator_.mutex());
  return generator_.get_state();
}

void LayerMatcher::set_generator_state(const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator_.mutex());
  generator_.set_state(state);
}

int64_t LayerMatcher::draw_below(int64_t n) {
  return torch::randint(0, n, {1}, generator_, torch::TensorOptions().dtype(torch::kLong)).item<int64_t>();
}

// Relative index (0-based within the candidates) chosen by the strategy; `temperature` set for multinomial.
int64_t LayerMatcher::pick(const std::vector<double>& k, double* temperature) {
  const int64_t n = int64_t(k.size());
  switch (options_.strategy) {
    case MatchingStrategy::Random:
      return draw_below(n);
    case MatchingStrategy::BottomK: {
      std::vector<int64_t> order(n);
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return k[a] < k[b]; });
      const int64_t keep = std::min(options_.bottom_k, n);
      return keep == 1 ? order[0] : order[draw_below(keep)];
    }
    case MatchingStrategy::Multinomial: {
      const double t = options_.adaptive_temperature
                           ? adaptive_temperature(k, options_.temperature_rule, options_.temperature_scale,
                                                  options_.temperature_eps)
                           : options_.fixed_temperature;
      *temperature = t;
      auto logits = -torch::tensor(k, torch::kDouble) / t;
      auto probs = torch::softmax(logits, 0);
      return torch::multinomial(probs, 1, /*replacement=*/false, generator_).item<int64_t>();
    }
    case MatchingStrategy::Uniform:
      break;
  }
  fail("layer matching: strategy ", matching_strategy_name(options_.strategy), " has no candidate choice");
}

LayerMatch LayerMatcher::match(const torch::Tensor& divergence) {
  check(divergence.dim() == 2, "layer matching: the divergence matrix must be [t_s, t_l], got ", divergence.sizes());
  const int64_t ts = divergence.size(0), tl = divergence.size(1);
  check(ts >= 1 && tl >= ts, "layer matching: need 1 <= t_s <= t_l, got t_s = ", ts, ", t_l = ", tl);
  auto d = divergence.detach().to(torch::kCPU, torch::kDouble).contiguous();
  const bool uses_d = options_.strategy == MatchingStrategy::Multinomial || options_.strategy == MatchingStrategy::BottomK;
  check(!uses_d || torch::isfinite(d).all().item<bool>(), "layer matching: the divergence matrix has NaN or infinite entries");
  auto acc = d.accessor<double, 2>();

  LayerMatch m;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  int64_t prev = -1;
  for (int64_t is = 0; is < ts; ++is) {
    double temperature = nan;
    int64_t chosen, lo, hi;
    if (options_.strategy == MatchingStrategy::Uniform) {
      chosen = lo = hi = is * (tl / ts);
    } else {
      hi = options_.search_band ? tl - ts + is : tl - 1;
      lo = options_.order_preservation ? prev + 1 : (options_.search_band ? is : 0);
      if (lo > hi) lo = hi = tl - 1;  // order without band ran out of teacher targets
      std::vector<double> k;
      for (int64_t j = lo; j <= hi; ++j) k.push_back(acc[is][j]);
      chosen = lo + pick(k, &temperature);
    }
    // How far apart the candidates' divergences are: under ~0.3 nats every temperature
    // reading samples nearly uniformly, so the log shows whether matching has room.
    double dmin = acc[is][lo], dmax = acc[is][lo];
    for (int64_t j = lo; j <= hi; ++j) dmin = std::min(dmin, acc[is][j]), dmax = std::max(dmax, acc[is][j]);
    m.candidate_spread.push_back(std::isfinite(dmax - dmin) ? dmax - dmin : nan);
    m.teacher_index.push_back(chosen);
    m.temperature.push_back(temperature);
    m.candidate_lo.push_back(lo);
    m.candidate_hi.push_back(hi);
    prev = chosen;
  }
  return m;
}

}  // namespace vlsi::distill
