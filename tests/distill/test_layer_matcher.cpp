// Layer matching (Algorithm 1): bands, order preservation, each strategy as the
// header defines it, both temperature readings on hand-computed inputs, seeds.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <map>

#include "vlsi/distill/layer_matcher.h"
#include "vlsi/io/error.h"

using namespace vlsi;
using namespace vlsi::distill;

namespace {

torch::Tensor random_d(int64_t ts, int64_t tl, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::rand({ts, tl}, gen, torch::kDouble) * 3.0;
}

LayerMatcherOptions with(MatchingStrategy s, bool band, bool order, int64_t k = 1) {
  LayerMatcherOptions o;
  o.strategy = s;
  o.search_band = band;
  o.order_preservation = order;
  o.bottom_k = k;
  return o;
}

const std::vector<std::pair<int64_t, int64_t>> kShapes = {{7, 20}, {3, 4}, {1, 5}, {4, 4}, {2, 9}, {3, 10}};
const std::vector<MatchingStrategy> kSampling = {MatchingStrategy::Multinomial, MatchingStrategy::Random,
                                                 MatchingStrategy::BottomK};

}  // namespace

TEST(LayerMatcher, BandAndOrderKeepEveryIndexInItsBandAndStrictlyIncreasing) {
  for (auto s : kSampling)
    for (int64_t k : {1, 3}) {
      LayerMatcher matcher(with(s, true, true, k), 11);
      for (auto [ts, tl] : kShapes)
        for (uint64_t seed = 0; seed < 40; ++seed) {
          auto m = matcher.match(random_d(ts, tl, seed));
          ASSERT_EQ(m.teacher_index.size(), size_t(ts));
          int64_t prev = -1;
          for (int64_t is = 0; is < ts; ++is) {
            const int64_t lo = prev + 1, hi = tl - ts + is;  // the pseudo-code's band
            EXPECT_EQ(m.candidate_lo[is], lo);
            EXPECT_EQ(m.candidate_hi[is], hi);
            EXPECT_GE(m.teacher_index[is], lo);
            EXPECT_LE(m.teacher_index[is], hi);
            EXPECT_GT(m.teacher_index[is], prev);
            prev = m.teacher_index[is];
          }
        }
    }
}

TEST(LayerMatcher, BandWithoutOrderUsesTheReachableRangeAndCanGoBack) {
  bool went_back = false;
  LayerMatcher matcher(with(MatchingStrategy::Random, true, false), 5);
  for (uint64_t seed = 0; seed < 200; ++seed) {
    auto m = matcher.match(random_d(7, 20, seed));
    for (int64_t is = 0; is < 7; ++is) {
      EXPECT_GE(m.teacher_index[is], is);
      EXPECT_LE(m.teacher_index[is], 20 - 7 + is);
      if (is > 0 && m.teacher_index[is] <= m.teacher_index[is - 1]) went_back = true;
    }
  }
  EXPECT_TRUE(went_back) << "order preservation is off, so some draw must not increase";
}

TEST(LayerMatcher, NoBandNoOrderSearchesEveryTeacherTarget) {
  std::map<int64_t, int> hits;
  LayerMatcher matcher(with(MatchingStrategy::Random, false, false), 5);
  for (uint64_t seed = 0; seed < 300; ++seed) {
    auto m = matcher.match(random_d(3, 6, seed));
    for (int64_t is = 0; is < 3; ++is) {
      EXPECT_EQ(m.candidate_lo[is], 0);
      EXPECT_EQ(m.candidate_hi[is], 5);
      ++hits[is * 100 + m.teacher_index[is]];
    }
  }
  EXPECT_GT(hits[5], 0) << "student 0 can reach the last teacher target without the band";
  EXPECT_GT(hits[200], 0) << "student 2 can reach teacher target 0 without band and order";
}

TEST(LayerMatcher, OrderWithoutBandIsNonDecreasingAndClampsWhenExhausted) {
  // Row 0 prefers the last teacher target, so the later rows have nothing left.
  auto d = torch::full({3, 5}, 10.0, torch::kDouble);
  d[0][4] = 0.0;
  LayerMatcher matcher(with(MatchingStrategy::BottomK, false, true, 1), 1);
  auto m = matcher.match(d);
  EXPECT_EQ(m.teacher_index, (std::vector<int64_t>{4, 4, 4}));
  LayerMatcher sampled(with(MatchingStrategy::Multinomial, false, true), 2);
  for (uint64_t seed = 0; seed < 50; ++seed) {
    auto r = sampled.match(random_d(4, 6, seed));
    for (int64_t is = 1; is < 4; ++is) EXPECT_GE(r.teacher_index[is], r.teacher_index[is - 1]);
  }
}

TEST(LayerMatcher, UniformIsStudentTimesFloorRatio) {
  for (bool band : {true, false})
    for (bool order : {true, false}) {
      LayerMatcher matcher(with(MatchingStrategy::Uniform, band, order), 0);
      EXPECT_EQ(matcher.match(random_d(7, 20, 1)).teacher_index, (std::vector<int64_t>{0, 2, 4, 6, 8, 10, 12}));
      EXPECT_EQ(matcher.match(random_d(3, 10, 2)).teacher_index, (std::vector<int64_t>{0, 3, 6}));
      EXPECT_EQ(matcher.match(random_d(4, 4, 3)).teacher_index, (std::vector<int64_t>{0, 1, 2, 3}));
      auto m = matcher.match(random_d(3, 10, 2));
      for (double t : m.temperature) EXPECT_TRUE(std::isnan(t));
    }
}

TEST(LayerMatcher, BottomOneIsTheArgminOfTheBand) {
  auto d = torch::tensor({5.0, 1.0, 3.0, 0.5,    // band 0..2 (0.5 at 3 is outside): argmin 1
                          0.0, 9.0, 9.0, 2.0},   // band 2..3 after order: 9 vs 2 -> 3
                         torch::kDouble).view({2, 4});
  LayerMatcher matcher(with(MatchingStrategy::BottomK, true, true, 1), 3);
  EXPECT_EQ(matcher.match(d).teacher_index, (std::vector<int64_t>{1, 3}));
  // Ties go to the lower index.
  auto tie = torch::tensor({2.0, 1.0, 1.0, 5.0}, torch::kDouble).view({1, 4});
  EXPECT_EQ(LayerMatcher(with(MatchingStrategy::BottomK, true, true, 1), 3).match(tie).teacher_index,
            (std::vector<int64_t>{1}));
}

TEST(LayerMatcher, BottomThreePicksOnlyAmongTheThreeSmallest) {
  // One student, 6 teacher targets (band 0..5): the three smallest are 4, 1, 2.
  auto d = torch::tensor({5.0, 0.2, 0.3, 4.0, 0.1, 6.0}, torch::kDouble).view({1, 6});
  LayerMatcher matcher(with(MatchingStrategy::BottomK, true, true, 3), 9);
  std::map<int64_t, int> hits;
  for (int i = 0; i < 600; ++i) ++hits[matcher.match(d).teacher_index[0]];
  EXPECT_EQ(hits.size(), 3u);
  for (int64_t j : {1, 2, 4}) EXPECT_GT(hits[j], 150) << "uniform among the bottom three";
  // Fewer candidates than k: all of them.
  auto small = torch::tensor({1.0, 0.0}, torch::kDouble).view({1, 2});
  std::map<int64_t, int> both;
  for (int i = 0; i < 200; ++i) ++both[matcher.match(small).teacher_index[0]];
  EXPECT_EQ(both.size(), 2u);
}

TEST(LayerMatcher, RandomIgnoresTheDivergencesAndIsUniform) {
  LayerMatcher a(with(MatchingStrategy::Random, true, true), 21), b(with(MatchingStrategy::Random, true, true), 21);
  std::map<int64_t, int> hits;
  for (uint64_t seed = 0; seed < 1000; ++seed) {
    auto ma = a.match(random_d(2, 6, seed));
    auto mb = b.match(random_d(2, 6, seed + 5000));  // other D, same seed: same picks
    EXPECT_EQ(ma.teacher_index, mb.teacher_index);
    ++hits[ma.teacher_index[0]];
  }
  ASSERT_EQ(hits.size(), 5u);  // band 0..4 for the first student
  for (auto [j, n] : hits) EXPECT_NEAR(n / 1000.0, 0.2, 0.05) << "teacher index " << j;
}

TEST(LayerMatcher, MultinomialFollowsSoftmaxOfMinusKOverT) {
  std::vector<double> k = {0.4, 1.0, 2.2, 0.1};
  auto d = torch::tensor(k, torch::kDouble).view({1, 4});
  for (auto rule : {TemperatureRule::ScaleOverRange, TemperatureRule::RangeOverScale}) {
    auto o = with(MatchingStrategy::Multinomial, true, true);
    o.temperature_rule = rule;
    LayerMatcher matcher(o, 17);
    const double t = adaptive_temperature(k, rule, 2.0, 1e-6);
    std::vector<double> expected(4);
    double z = 0;
    for (int j = 0; j < 4; ++j) z += expected[j] = std::exp(-k[j] / t);
    std::vector<int> hits(4, 0);
    const int draws = 20000;
    for (int i = 0; i < draws; ++i) {
      auto m = matcher.match(d);
      EXPECT_DOUBLE_EQ(m.temperature[0], t);
      ++hits[m.teacher_index[0]];
    }
    for (int j = 0; j < 4; ++j) EXPECT_NEAR(hits[j] / double(draws), expected[j] / z, 0.012) << "index " << j;
  }
}

TEST(LayerMatcher, TemperatureMatchesBothFormulasOnHandComputedInputs) {
  // Candidates 0..2 of row 0 (the 100 at index 3 is outside the band): range 2.5 - 0.5 = 2.
  auto d = torch::tensor({0.5, 2.5, 1.0, 100.0,  //
                          7.0, 3.0, 3.0, 3.0},
                         torch::kDouble).view({2, 4});
  auto o = with(MatchingStrategy::Multinomial, true, true);
  auto m = LayerMatcher(o, 4).match(d);
  EXPECT_NEAR(m.temperature[0], 2.0 / 2.000001, 1e-15);  // scale / (range + eps) = 0.99999950000025
  EXPECT_NEAR(m.temperature[0], 0.99999950000025, 1e-14);
  o.temperature_rule = TemperatureRule::RangeOverScale;
  m = LayerMatcher(o, 4).match(d);
  EXPECT_NEAR(m.temperature[0], 1.0000005, 1e-15);  // (range + eps) / scale
  // Row 1's band starts after row 0's pick (so at 1 or later) and ends at 3: all
  // its values are 3, range 0, so T = (0 + eps) / scale.
  EXPECT_NEAR(m.temperature[1], 1e-6 / 2.0, 1e-20);
  EXPECT_DOUBLE_EQ(adaptive_temperature({3.0, 7.0}, TemperatureRule::ScaleOverRange, 2.0, 1e-6), 2.0 / (4.0 + 1e-6));
  EXPECT_DOUBLE_EQ(adaptive_temperature({3.0, 7.0}, TemperatureRule::RangeOverScale, 2.0, 1e-6), (4.0 + 1e-6) / 2.0);
  EXPECT_DOUBLE_EQ(adaptive_temperature({3.0, 7.0}, TemperatureRule::ScaleOverRange, 0.5, 0.25), 0.5 / 4.25);
  // Adaptive off: the fixed temperature.
  o.adaptive_temperature = false;
  o.fixed_temperature = 0.7;
  m = LayerMatcher(o, 4).match(d);
  EXPECT_EQ(m.temperature, (std::vector<double>{0.7, 0.7}));
}

TEST(LayerMatcher, SamplingIsReproducibleBySeed) {
  for (auto s : kSampling) {
    auto o = with(s, true, true, 3);
    LayerMatcher a(o, 123), b(o, 123), c(o, 124);
    bool differs = false;
    torch::Tensor saved;
    std::vector<std::vector<int64_t>> after_save;
    for (uint64_t i = 0; i < 60; ++i) {
      auto d = random_d(7, 20, i);
      if (i == 30) saved = a.generator_state();
      auto ma = a.match(d), mb = b.match(d), mc = c.match(d);
      EXPECT_EQ(ma.teacher_index, mb.teacher_index);
      if (i >= 30) after_save.push_back(ma.teacher_index);
      differs |= ma.teacher_index != mc.teacher_index;
    }
    EXPECT_TRUE(differs) << matching_strategy_name(s) << ": another seed never changed a match";
    LayerMatcher resumed(o, 999);
    resumed.set_generator_state(saved);
    for (uint64_t i = 30; i < 60; ++i) EXPECT_EQ(resumed.match(random_d(7, 20, i)).teacher_index, after_save[i - 30]);
  }
}

TEST(LayerMatcher, RejectsBadInputsAndOptions) {
  LayerMatcher m(LayerMatcherOptions{}, 0);
  EXPECT_THROW(m.match(torch::zeros({4, 3})), Error);  // t_s > t_l
  EXPECT_THROW(m.match(torch::zeros({3})), Error);
  auto d = torch::zeros({2, 4});
  d[1][2] = std::nan("");
  EXPECT_THROW(m.match(d), Error);
  auto o = LayerMatcherOptions{};
  o.bottom_k = 0;
  EXPECT_THROW(LayerMatcher(o, 0), Error);
  o = LayerMatcherOptions{};
  o.temperature_eps = 0;
  EXPECT_THROW(LayerMatcher(o, 0), Error);
  for (auto s : {MatchingStrategy::Random, MatchingStrategy::Uniform, MatchingStrategy::BottomK,
                 MatchingStrategy::Multinomial})
    EXPECT_EQ(matching_strategy_from_name(matching_strategy_name(s), "x"), s);
  EXPECT_THROW(matching_strategy_from_name("bottom", "recipe.json: matching"), Error);
  EXPECT_EQ(temperature_rule_from_name("range_over_scale", "x"), TemperatureRule::RangeOverScale);
  auto j = layer_match_to_json(m.match(torch::rand({2, 4}, torch::kDouble)));
  EXPECT_EQ(j["teacher_index"].size(), 2u);
  EXPECT_TRUE(j["temperature"][0].is_number());
}
