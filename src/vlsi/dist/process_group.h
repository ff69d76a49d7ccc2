#pragma once
// The data-parallel process group of this process, on torch.distributed's
// engine (c10d): a TCPStore for the rendezvous, ProcessGroupGloo for CPU
// tensors, ProcessGroupNCCL for CUDA tensors. One process is just world size 1,
// where every collective is the identity and nothing is created.
// A collective that fails (a peer exited, or nothing arrived within the
// timeout, VLSI_DIST_TIMEOUT_S, default 1800 s) throws a one-line vlsi::Error
// naming this rank and the operation, so the CLI exits instead of hanging.
#include <torch/csrc/distributed/c10d/Work.hpp>
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "vlsi/dist/launch_env.h"

namespace vlsi::dist {

class ProcessGroup {
 public:
  // The process-wide group for tensors on `device`, joined on the first call
  // (from launch_env_from_process()); later calls return it. Asking for
  // another device type than the first call's is an error.
  static ProcessGroup& join(const torch::Device& device);
  // The joined group, or a world-size-1 group when none was joined.
  static ProcessGroup& current();

  ~ProcessGroup();
  int64_t rank() const { return env_.rank; }
  int64_t world_size() const { return env_.world_size; }
  bool is_main() const { return env_.rank == 0; }
  const LaunchEnv& env() const { return env_; }
  // The device a run asked for, placed for this process: a bare "cuda" in a
  // job of several processes means cuda:<local rank>; anything else as it is.
  torch::Device local_device(const torch::Device& requested) const;
  // Where collective tensors must live: the CPU for Gloo, cuda:<local rank> for NCCL.
  torch::Device collective_device() const;

  // Element-wise sums over the ranks, in place; every tensor is launched before
  // any is waited for, so several buckets travel together. `what` names the
  // operation in errors.
  void all_reduce_sum(std::vector<torch::Tensor>& tensors, const std::string& what);
  // An all-reduce started and not yet waited for (gradient buckets during backward).
  class Pending {
   public:
    // Blocks until the sum is in the tensor; a failure throws as all_reduce_sum does.
    void wait();
    bool started() const { return work_.defined(); }

   private:
    friend class ProcessGroup;
    const ProcessGroup* group_ = nullptr;
    c10::intrusive_ptr<c10d::Work> work_;
    std::string what_;
  };
  // Starts an in-place sum of one contiguous tensor on collective_device().
  Pending all_reduce_sum_async(torch::Tensor& tensor, const std::string& what);

  // Rank 0's values to every rank, in place.
  void broadcast_from_main(std::vector<torch::Tensor>& tensors, const std::string& what);
  void barrier(const std::string& what);

  // Seconds a collective waits for its peers.
  static int64_t timeout_seconds();

 private:
  struct Backend;
  ProcessGroup(LaunchEnv env, torch::DeviceType device_type, std::unique_ptr<Backend> backend);
  [[noreturn]] void fail(const std::string& what, const std::string& cause) const;

  LaunchEnv env_;
  torch::DeviceType device_type_;
  std::unique_ptr<Backend> backend_;
};

}  // namespace vlsi::dist
