// The launch environment (issue 13): torchrun's variables, Slurm's, neither
// (one process), and one-line errors naming the variable that is wrong.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "vlsi/dist/launch_env.h"
#include "vlsi/dist/process_group.h"
#include "vlsi/io/error.h"

using namespace vlsi;

namespace launch_env_tests {

dist::LaunchEnv from(const std::map<std::string, std::string>& vars) {
  return dist::launch_env_from([&](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

std::string error_of(const std::map<std::string, std::string>& vars) {
  try {
    from(vars);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LaunchEnv, NothingSetIsOneProcess) {
  auto env = from({});
  EXPECT_EQ(env.launcher, "single");
  EXPECT_EQ(env.world_size, 1);
  EXPECT_EQ(env.rank, 0);
  EXPECT_FALSE(env.distributed());
}

TEST(LaunchEnv, TorchrunVariables) {
  auto env = from({{"RANK", "3"}, {"WORLD_SIZE", "8"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "2"},
                   {"MASTER_ADDR", "10.0.0.5"}, {"MASTER_PORT", "29500"},
                   {"TORCHELASTIC_USE_AGENT_STORE", "True"}, {"TORCHELASTIC_RESTART_COUNT", "2"}});
  EXPECT_EQ(env.launcher, "torchrun");
  EXPECT_EQ(env.rank, 3);
  EXPECT_EQ(env.world_size, 8);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.local_world_size, 2);
  EXPECT_EQ(env.master_addr, "10.0.0.5");
  EXPECT_EQ(env.master_port, 29500);
  EXPECT_TRUE(env.agent_store);
  EXPECT_EQ(env.restart, "2");
  EXPECT_TRUE(env.distributed());
}

TEST(LaunchEnv, SlurmVariablesWhenTorchrunsAreAbsent) {
  auto env = from({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "16"}, {"SLURM_LOCALID", "1"},
                   {"SLURM_NTASKS_PER_NODE", "8(x2)"}, {"MASTER_ADDR", "node01"}, {"MASTER_PORT", "29400"}});
  EXPECT_EQ(env.launcher, "slurm");
  EXPECT_EQ(env.rank, 5);
  EXPECT_EQ(env.world_size, 16);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.local_world_size, 8);
  EXPECT_FALSE(env.agent_store);
  // torchrun's variables win when both are present (torchrun inside a Slurm allocation).
  auto both = from({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "16"}, {"RANK", "0"}, {"WORLD_SIZE", "1"}});
  EXPECT_EQ(both.launcher, "torchrun");
  EXPECT_FALSE(both.distributed());
}

TEST(LaunchEnv, SingleTaskSlurmNeedsNoRendezvous) {
  auto env = from({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}});
  EXPECT_FALSE(env.distributed());
}

TEST(LaunchEnv, BadValuesAreOneLineErrorsNamingTheVariable) {
  EXPECT_EQ(error_of({{"RANK", "x"}, {"WORLD_SIZE", "2"}}), "environment variable RANK='x': expected a whole number >= 0");
  EXPECT_EQ(error_of({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}}),
            "environment: rank 2 is not below the world size 2");
  EXPECT_EQ(error_of({{"RANK", "0"}, {"WORLD_SIZE", "0"}}), "environment variable WORLD_SIZE: expected >= 1, got 0");
  EXPECT_NE(error_of({{"RANK", "1"}, {"WORLD_SIZE", "2"}}).find("needs MASTER_ADDR and MASTER_PORT"), std::string::npos);
  EXPECT_EQ(error_of({{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}}),
            "environment variable MASTER_PORT=70000: expected a port 1..65535");
  EXPECT_EQ(error_of({{"RANK", "0"}, {"WORLD_SIZE", "1"}, {"LOCAL_RANK", "3"}, {"LOCAL_WORLD_SIZE", "2"}}),
            "environment: local rank 3 is not below the local world size 2");
  EXPECT_EQ(error_of({{"RANK", "0"}, {"WORLD_SIZE", "99999999999"}}),
            "environment variable WORLD_SIZE='99999999999': expected a whole number >= 0");
}

TEST(ProcessGroupSingle, OneProcessCollectivesAreTheIdentity) {
  auto& group = dist::ProcessGroup::current();  // nothing joined in this test binary
  EXPECT_EQ(group.world_size(), 1);
  EXPECT_TRUE(group.is_main());
  std::vector<torch::Tensor> t{torch::arange(4, torch::kFloat)};
  group.all_reduce_sum(t, "test");
  EXPECT_TRUE(torch::equal(t[0], torch::arange(4, torch::kFloat)));
  group.barrier("test");
}

}  // namespace launch_env_tests
