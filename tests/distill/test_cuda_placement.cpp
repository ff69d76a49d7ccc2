// Placement on a GPU (issue 13, item 3): runs only where libtorch sees CUDA
// (scripts/gpu-check.sh), skipped elsewhere. The recipe with the teacher on the
// GPU in bfloat16 and the student on the CPU, and with both on the GPU and the
// student's layers checkpointed, trains as the all-CPU float32 recipe does
// (losses within 5e-2 relative: bfloat16 teacher, GPU kernels).
#include <gtest/gtest.h>

#include <cmath>

#include "step_fixture.h"
#include "vlsi/distill/recipe.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"

using namespace vlsi;
using io::json;

namespace cuda_placement_tests {

json recipe(const std::string& dir, const std::string& out) { return test_support::short_recipe(dir, out, 6); }

TEST(CudaPlacement, TeacherOnTheGpuStudentOnTheCpuTrainsAsAllCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device visible to libtorch";
  const std::string dir = test_support::fresh_dir("cuda_placement");
  test_support::make_distill_fixture(dir);
  auto cpu = distill::run_distill(distill::resolve_distill_config(recipe(dir, dir + "/cpu"), {}, "cpu"), false);

  json split = recipe(dir, dir + "/split");
  split["teacher"]["device"] = "cuda";
  split["teacher"]["dtype"] = "bfloat16";
  auto s = distill::run_distill(distill::resolve_distill_config(split, {}, "split"), false);

  json gpu = recipe(dir, dir + "/gpu");
  gpu["device"] = "cuda";
  gpu["stages"]["interact"]["gradient_checkpointing"] = true;
  auto g = distill::run_distill(distill::resolve_distill_config(gpu, {}, "gpu"), false);

  for (const char* stage : {"verbalize_teacher", "verbalize_student", "interact", "reinforce"}) {
    const double want = cpu["stages"][stage]["final_train_loss"].get<double>();
    for (const auto* run : {&s, &g}) {
      const double got = (*run)["stages"][stage]["final_train_loss"].get<double>();
      EXPECT_TRUE(std::isfinite(got)) << stage;
      EXPECT_LT(std::abs(got - want), 5e-2 * std::abs(want)) << stage << ": " << want << " vs " << got;
    }
  }
  io::remove_tree(dir);
}

}  // namespace cuda_placement_tests
