// Target-layer selection: the paper's lists from the default stride, the
// never-the-last rule, validation errors, and t_l > t_s.
#include <gtest/gtest.h>

#include "test_util.h"
#include "vlsi/distill/target_layers.h"
#include "vlsi/io/error.h"

using namespace vlsi;
using namespace vlsi::distill;
using distill_support::error_of;
using distill_support::one_line_error_with;

TEST(TargetLayers, DefaultStrideGivesThePapersLists) {
  TargetLayerSpec spec;  // start 2, stride 4, 0-based
  auto student = resolve_target_layers(spec, 28);
  EXPECT_EQ(student, (std::vector<int64_t>{2, 6, 10, 14, 18, 22, 26}));  // t_s = 7
  auto teacher = resolve_target_layers(spec, 80);
  ASSERT_EQ(teacher.size(), 20u);  // t_l = 20
  EXPECT_EQ(teacher.front(), 2);
  EXPECT_EQ(teacher.back(), 78);
  check_teacher_has_more_targets(teacher, student);
}

TEST(TargetLayers, StrideNeverReachesTheLastLayer) {
  // 27 layers: the last is 26, so 26 is excluded even though the stride hits it.
  EXPECT_EQ(target_layers_by_stride(27, 2, 4), (std::vector<int64_t>{2, 6, 10, 14, 18, 22}));
  EXPECT_EQ(target_layers_by_stride(4, 2, 4), (std::vector<int64_t>{2}));
  EXPECT_EQ(target_layers_by_stride(4, 0, 1), (std::vector<int64_t>{0, 1, 2}));
  for (int64_t n = 2; n < 40; ++n)
    for (int64_t stride = 1; stride < 6; ++stride)
      for (auto l : target_layers_by_stride(n, 0, stride)) EXPECT_LT(l, n - 1);
  EXPECT_TRUE(one_line_error_with(error_of([] { target_layers_by_stride(3, 2, 4); }), "start 2"));
  EXPECT_TRUE(one_line_error_with(error_of([] { target_layers_by_stride(8, 0, 0); }), "stride"));
  EXPECT_TRUE(one_line_error_with(error_of([] { target_layers_by_stride(1, 0, 1); }), "no target layer"));
}

TEST(TargetLayers, ExplicitListWinsAndIsValidated) {
  TargetLayerSpec spec;
  spec.layers = {4, 12, 20};  // LLaVA-OV student list
  EXPECT_EQ(resolve_target_layers(spec, 24), (std::vector<int64_t>{4, 12, 20}));
  spec.layers = {4, 12, 23};
  EXPECT_TRUE(one_line_error_with(error_of([&] { resolve_target_layers(spec, 24, "student.json: target_layers"); }),
                                  "student.json: target_layers: layer 23"));
  spec.layers = {12, 4};
  EXPECT_TRUE(one_line_error_with(error_of([&] { resolve_target_layers(spec, 24); }), "strictly increasing"));
  spec.layers = {4, 4};
  EXPECT_TRUE(one_line_error_with(error_of([&] { resolve_target_layers(spec, 24); }), "strictly increasing"));
  spec.layers = {-1, 4};
  EXPECT_TRUE(one_line_error_with(error_of([&] { resolve_target_layers(spec, 24); }), "layer -1"));
  EXPECT_TRUE(one_line_error_with(error_of([] { validate_target_layers({}, 24); }), "empty"));
}

TEST(TargetLayers, TeacherMustHaveMoreTargets) {
  EXPECT_NO_THROW(check_teacher_has_more_targets({10, 30, 50, 70}, {4, 12, 20}));
  auto msg = error_of([] { check_teacher_has_more_targets({1, 2, 3}, {0, 1, 2}, "recipe.json"); });
  EXPECT_TRUE(one_line_error_with(msg, "recipe.json: the teacher needs more target layers"));
  EXPECT_TRUE(one_line_error_with(msg, "t_l = 3"));
  EXPECT_THROW(check_teacher_has_more_targets({1}, {0, 1}), Error);
  EXPECT_THROW(check_teacher_has_more_targets({1, 2}, {}), Error);
}
