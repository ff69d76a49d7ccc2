#pragma once
// Where this process sits in a data-parallel job, read from the launcher's
// environment: torchrun's (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT) or, without those, Slurm's (SLURM_PROCID,
// SLURM_NTASKS, SLURM_LOCALID, SLURM_NTASKS_PER_NODE; MASTER_ADDR/MASTER_PORT
// set by the batch script). Neither: one process, world size 1.
#include <cstdint>
#include <functional>
#include <string>

namespace vlsi::dist {

struct LaunchEnv {
  int64_t rank = 0;
  int64_t world_size = 1;
  int64_t local_rank = 0;        // picks the GPU: cuda:<local_rank>
  int64_t local_world_size = 1;  // processes on this machine (shares its cores)
  std::string master_addr;       // the rendezvous store (rank 0's TCPStore, or torchrun's agent store)
  int64_t master_port = 0;
  bool agent_store = false;      // torchrun's agent hosts the store: every rank connects as a client
  std::string restart;           // torchrun's restart count, keeps a restarted group's keys apart
  std::string launcher = "single";  // "torchrun", "slurm" or "single"

  bool distributed() const { return world_size > 1; }
};

// Reads the variables through `get` (std::getenv in production; a map in tests).
// Inconsistent or unparsable values are a one-line error naming the variable.
LaunchEnv launch_env_from(const std::function<const char*(const char*)>& get);
LaunchEnv launch_env_from_process();

}  // namespace vlsi::dist
