// A teacher split by layer ranges (`teacher.device_map`, model/layer_placement.h):
// the recipe hands the map to the teacher's stages; bad maps, and a map beside
// `teacher.device`, are one-line errors naming the field; a recipe whose
// teacher is split into two "cpu" ranges trains exactly as the unsplit one
// (the split loops, the verbalizers beside the final norm and the rows moved
// to them are all exercised); on CUDA, ranges on the GPU(s) train as the CPU does.
#include <gtest/gtest.h>

#include <cmath>

#include "step_fixture.h"
#include "test_util.h"
#include "vlsi/distill/recipe.h"
#include "vlsi/distill/step_config.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"

using namespace vlsi;
using io::json;

namespace teacher_device_map_tests {

// The fixture's teacher has 5 decoder layers.
json two_ranges(const std::string& first, const std::string& second) {
  return {{"layers 0-2", first}, {"layers 3-4", second}};
}

json recipe_with_map(const std::string& dir, const std::string& out, const json& map) {
  json r = test_support::short_recipe(dir, out, 6);
  if (!map.empty()) r["teacher"]["device_map"] = map;
  return r;
}

std::string recipe_error(const std::string& dir, const json& teacher_patch) {
  json r = test_support::short_recipe(dir, dir + "/never", 6);
  r["teacher"].update(teacher_patch);
  return distill::distill_support::error_of([&] { distill::resolve_distill_config(r, {}, "recipe.json"); });
}

const std::string& fixture_dir() {
  static const std::string dir = [] {
    std::string d = test_support::fresh_dir("teacher_device_map");
    test_support::make_distill_fixture(d);
    return d;
  }();
  return dir;
}

TEST(TeacherDeviceMap, RecipeHandsTheMapToTheTeachersStages) {
  const std::string dir = fixture_dir();
  json cfg = distill::resolve_distill_config(recipe_with_map(dir, dir + "/never", two_ranges("cpu", "cpu")), {}, "r");
  json stages = distill::distill_stage_configs(cfg);
  EXPECT_EQ(stages["verbalize_teacher"]["device_map"], two_ranges("cpu", "cpu"));
  EXPECT_EQ(stages["interact"]["teacher"]["device_map"], two_ranges("cpu", "cpu"));
  EXPECT_EQ(stages["verbalize_student"]["device_map"], json::object());
  EXPECT_FALSE(stages["reinforce"].contains("teacher") && !stages["reinforce"]["teacher"]["device_map"].empty());
}

TEST(TeacherDeviceMap, BadMapsAreOneLineErrorsNamingTheField) {
  const std::string dir = fixture_dir();
  const std::string field = "field 'teacher.device_map'";
  using distill::distill_support::one_line_error_with;
  auto gap = recipe_error(dir, {{"device_map", {{"layers 0-1", "cpu"}, {"layers 3-4", "cpu"}}}});
  EXPECT_TRUE(one_line_error_with(gap, field));
  EXPECT_TRUE(one_line_error_with(gap, "leaves layer 2 without a device"));
  auto overlap = recipe_error(dir, {{"device_map", {{"layers 0-2", "cpu"}, {"layers 2-4", "cpu"}}}});
  EXPECT_TRUE(one_line_error_with(overlap, field));
  EXPECT_TRUE(one_line_error_with(overlap, "overlaps the range before it at layer 2"));
  auto short_map = recipe_error(dir, {{"device_map", {{"layers 0-3", "cpu"}}}});
  EXPECT_TRUE(one_line_error_with(short_map, "leaves layer 4 of 5 without a device"));
  auto past = recipe_error(dir, {{"device_map", {{"layers 0-2", "cpu"}, {"layers 3-5", "cpu"}}}});
  EXPECT_TRUE(one_line_error_with(past, "reaches past layer 4"));
  auto malformed = recipe_error(dir, {{"device_map", {{"0-4", "cpu"}}}});
  EXPECT_TRUE(one_line_error_with(malformed, field));
  EXPECT_TRUE(one_line_error_with(malformed, "key \"0-4\" is malformed"));
  auto both = recipe_error(dir, {{"device", "cpu"}, {"device_map", two_ranges("cpu", "cpu")}});
  EXPECT_TRUE(one_line_error_with(both, "'teacher.device' (\"cpu\") and 'teacher.device_map' together"));

  // A step config run on its own checks the same, naming its own field.
  json step = distill::resolve_step_config(
      "interact",
      {{"student", {{"model", dir + "/student"}}},
       {"teacher", {{"model", dir + "/teacher"}, {"device_map", {{"layers 0-1", "cpu"}, {"layers 3-4", "cpu"}}}}}},
      {}, "interact.json");
  auto step_gap = distill::distill_support::error_of(
      [&] { distill::validate_step_run_config("interact", step, "interact.json"); });
  EXPECT_TRUE(one_line_error_with(step_gap, "interact.json: field 'teacher.device_map': layers 3-4 leaves layer 2"));
}

TEST(TeacherDeviceMap, TwoCpuRangesTrainExactlyAsTheUnsplitTeacher) {
  const std::string dir = fixture_dir();
  auto whole = distill::run_distill(distill::resolve_distill_config(recipe_with_map(dir, dir + "/whole", {}), {}, "w"), false);
  auto split = distill::run_distill(
      distill::resolve_distill_config(recipe_with_map(dir, dir + "/split", two_ranges("cpu", "cpu")), {}, "s"), false);
  EXPECT_EQ(io::read_json_file(dir + "/split/config.json")["teacher"]["device_map"], two_ranges("cpu", "cpu"));
  for (const char* stage : {"verbalize_teacher", "verbalize_student", "interact", "reinforce"}) {
    ASSERT_TRUE(whole["stages"][stage].contains("final_train_loss")) << stage;
    EXPECT_EQ(whole["stages"][stage]["final_train_loss"].get<double>(),
              split["stages"][stage]["final_train_loss"].get<double>())
        << stage;
  }
  EXPECT_EQ(whole["stages"]["interact"]["match_counts"], split["stages"]["interact"]["match_counts"]);
}

TEST(TeacherDeviceMap, GpuRangesTrainAsTheCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device visible to libtorch";
  const std::string dir = fixture_dir();
  const std::string second = torch::cuda::device_count() > 1 ? "cuda:1" : "cuda:0";
  auto cpu = distill::run_distill(distill::resolve_distill_config(recipe_with_map(dir, dir + "/gcpu", {}), {}, "c"), false);
  auto gpu = distill::run_distill(
      distill::resolve_distill_config(recipe_with_map(dir, dir + "/gpu", two_ranges("cuda:0", second)), {}, "g"), false);
  for (const char* stage : {"verbalize_teacher", "verbalize_student", "interact", "reinforce"}) {
    const double want = cpu["stages"][stage]["final_train_loss"].get<double>();
    const double got = gpu["stages"][stage]["final_train_loss"].get<double>();
    EXPECT_TRUE(std::isfinite(got)) << stage;
    EXPECT_LT(std::abs(got - want), 1e-2 * std::abs(want)) << stage << ": " << want << " vs " << got;
  }
}

}  // namespace teacher_device_map_tests
