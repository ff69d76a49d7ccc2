#include "vlsi/dist/launch_env.h"

#include <cstdlib>

#include "vlsi/io/error.h"

namespace vlsi::dist {
namespace {

// A whole non-negative integer, or a one-line error naming the variable.
int64_t parse_count(const char* name, const char* value) {
  const std::string s = value;
  bool digits = !s.empty() && s.size() <= 9;
  for (char c : s) digits = digits && c >= '0' && c <= '9';
  check(digits, "environment variable ", name, "='", s, "': expected a whole number >= 0");
  return std::stoll(s);
}

// SLURM_NTASKS_PER_NODE may read "4" or "4(x2)": the count before any parenthesis.
int64_t parse_slurm_tasks_per_node(const char* value) {
  std::string s = value;
  s = s.substr(0, s.find('('));
  return parse_count("SLURM_NTASKS_PER_NODE", s.c_str());
}

}  // namespace

LaunchEnv launch_env_from(const std::function<const char*(const char*)>& get) {
  LaunchEnv env;
  auto count = [&](const char* name, int64_t fallback) {
    const char* v = get(name);
    return v && *v ? parse_count(name, v) : fallback;
  };
  if (get("WORLD_SIZE") && get("RANK")) {
    env.launcher = "torchrun";
    env.world_size = count("WORLD_SIZE", 1);
    env.rank = count("RANK", 0);
    env.local_rank = count("LOCAL_RANK", 0);
    env.local_world_size = count("LOCAL_WORLD_SIZE", 1);
    const char* agent = get("TORCHELASTIC_USE_AGENT_STORE");
    env.agent_store = agent && std::string(agent) == "True";
    const char* restart = get("TORCHELASTIC_RESTART_COUNT");
    env.restart = restart ? restart : "0";
  } else if (get("SLURM_PROCID") && get("SLURM_NTASKS")) {
    env.launcher = "slurm";
    env.world_size = count("SLURM_NTASKS", 1);
    env.rank = count("SLURM_PROCID", 0);
    env.local_rank = count("SLURM_LOCALID", 0);
    const char* per_node = get("SLURM_NTASKS_PER_NODE");
    env.local_world_size = per_node && *per_node ? parse_slurm_tasks_per_node(per_node) : 1;
    const char* restart = get("SLURM_RESTART_COUNT");
    env.restart = restart ? restart : "0";
  }
  check(env.world_size >= 1, "environment variable WORLD_SIZE: expected >= 1, got ", env.world_size);
  check(env.rank < env.world_size, "environment: rank ", env.rank, " is not below the world size ", env.world_size);
  check(env.local_world_size >= 1 && env.local_rank < env.local_world_size, "environment: local rank ",
        env.local_rank, " is not below the local world size ", env.local_world_size);
  if (!env.distributed()) return env;
  const char* addr = get("MASTER_ADDR");
  const char* port = get("MASTER_PORT");
  check(addr && *addr && port && *port, "environment: a ", env.launcher, " job of ", env.world_size,
        " processes needs MASTER_ADDR and MASTER_PORT (the host and port of rank 0's rendezvous store)");
  env.master_addr = addr;
  env.master_port = parse_count("MASTER_PORT", port);
  check(env.master_port >= 1 && env.master_port <= 65535, "environment variable MASTER_PORT=", port,
        ": expected a port 1..65535");
  return env;
}

LaunchEnv launch_env_from_process() {
  return launch_env_from([](const char* name) { return std::getenv(name); });
}

}  // namespace vlsi::dist
