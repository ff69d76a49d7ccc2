// GradientSync over two real processes (issue 13): the test binary runs itself
// twice more, as rank 0 and rank 1 (VLSI_TEST_RANK), which join a Gloo group on
// localhost (the test process itself never joins one). Several buckets of a three-layer net are summed correctly, most of
// them start during backward (overlap), and a parameter no rank used keeps no
// gradient while one that only rank 1 used counts as zero on rank 0.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "vlsi/dist/gradient_sync.h"
#include "vlsi/dist/process_group.h"

extern char** environ;

namespace gradient_sync_tests {

// Parameters in forward order, as a model lists them: the two small ones first, so the
// bucket holding them (the last in backward order) is the one left for the end.
struct Net {
  std::vector<torch::Tensor> params;  // unused, rank1_only, w0, w1, w2 (chained)
  explicit Net(uint64_t seed) {
    torch::manual_seed(seed);
    params.push_back(torch::randn({8}).requires_grad_(true));  // never used
    params.push_back(torch::randn({8}).requires_grad_(true));  // used by rank 1 only
    for (int i = 0; i < 3; ++i) params.push_back(torch::randn({64, 64}).requires_grad_(true));
  }
  torch::Tensor& w(int i) { return params[size_t(2 + i)]; }
  // Rank r's loss on its own input.
  torch::Tensor loss(int64_t rank) const {
    torch::manual_seed(100 + uint64_t(rank));
    auto x = torch::randn({4, 64});
    for (int i = 0; i < 3; ++i) x = torch::tanh(x.matmul(params[size_t(2 + i)]));
    auto l = x.pow(2).mean();
    if (rank == 1) l = l + params[1].sum();
    return l;
  }
};

int run_rank(int64_t rank) {
  auto& group = vlsi::dist::ProcessGroup::join(torch::Device(torch::kCPU));
  if (group.rank() != rank || group.world_size() != 2) return 10;
  Net net(7);
  // 64x64 floats are 16 KiB: 20 KiB buckets hold one matrix each.
  vlsi::dist::GradientSync sync(net.params, group, /*overlap=*/true, 20 * 1024);
  if (sync.bucket_count() < 3) return 11;
  sync.begin_step();
  net.loss(rank).backward();
  sync.finish_step();
  // Expected: both ranks' gradients, computed here from the same weights.
  Net a(7), b(7);
  a.loss(0).backward();
  b.loss(1).backward();
  for (int i = 0; i < 3; ++i)
    if (!torch::allclose(net.w(i).grad(), a.w(i).grad() + b.w(i).grad(), 1e-5, 1e-6)) return 20 + i;
  if (net.params[0].grad().defined()) return 30;  // nobody used it: no gradient, as in one process
  if (!net.params[1].grad().defined() || !torch::allclose(net.params[1].grad(), b.params[1].grad())) return 31;
  // w2's and w1's buckets fill and start during backward; the last one waits for its end.
  if (sync.overlapped_last_step() != 2) return 40;
  group.barrier("test end");
  return 0;
}

// Spawns this test binary as one rank; returns its pid.
pid_t spawn_rank(int rank, const std::string& port) {
  std::vector<std::string> env = {"MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + port, "WORLD_SIZE=2", "LOCAL_WORLD_SIZE=2",
                                  "VLSI_DIST_TIMEOUT_S=60", "RANK=" + std::to_string(rank),
                                  "LOCAL_RANK=" + std::to_string(rank), "VLSI_TEST_RANK=" + std::to_string(rank)};
  for (char** e = environ; *e; ++e) env.push_back(*e);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string filter = "--gtest_filter=GradientSyncTwoRanks.*";
  char* argv[] = {const_cast<char*>("/proc/self/exe"), filter.data(), nullptr};
  pid_t pid = 0;
  return ::posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv, envp.data()) == 0 ? pid : -1;
}

TEST(GradientSyncTwoRanks, BucketsSumOverlappedWithBackward) {
  if (const char* role = std::getenv("VLSI_TEST_RANK")) std::exit(run_rank(std::atoi(role)));  // a spawned rank
  const std::string port = std::to_string(29500 + ::getpid() % 400);
  pid_t ranks[2] = {spawn_rank(0, port), spawn_rank(1, port)};
  for (int r = 0; r < 2; ++r) {
    ASSERT_GT(ranks[r], 0);
    int status = 0;
    ::waitpid(ranks[r], &status, 0);
    ASSERT_TRUE(WIFEXITED(status)) << "rank " << r;
    EXPECT_EQ(WEXITSTATUS(status), 0) << "rank " << r << "'s code (see run_rank)";
  }
}

}  // namespace gradient_sync_tests
