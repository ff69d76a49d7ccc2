#include "vlsi/dist/process_group.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "vlsi/dist/backends.h"
#include "vlsi/io/error.h"

namespace vlsi::dist {

struct ProcessGroup::Backend {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> backend;
};

namespace {

std::mutex g_mutex;
std::unique_ptr<ProcessGroup> g_group;

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

int64_t ProcessGroup::timeout_seconds() {
  const char* v = std::getenv("VLSI_DIST_TIMEOUT_S");
  if (!v || !*v) return 1800;
  char* end = nullptr;
  long long s = std::strtoll(v, &end, 10);
  check(end && *end == '\0' && s >= 1 && s <= 7 * 24 * 3600, "environment variable VLSI_DIST_TIMEOUT_S='", v,
        "': expected whole seconds, 1..604800");
  return s;
}

ProcessGroup::ProcessGroup(LaunchEnv env, torch::DeviceType device_type, std::unique_ptr<Backend> backend)
    : env_(std::move(env)), device_type_(device_type), backend_(std::move(backend)) {}

ProcessGroup::~ProcessGroup() = default;

ProcessGroup& ProcessGroup::join(const torch::Device& device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_group) {
    check(!g_group->env_.distributed() || g_group->device_type_ == device.type(), "distributed: the process group "
          "was joined for ", c10::DeviceTypeName(g_group->device_type_), " tensors; a later stage asks for ",
          c10::DeviceTypeName(device.type()), " (every stage of one job trains on one device type)");
    return *g_group;
  }
  LaunchEnv env = launch_env_from_process();
  std::unique_ptr<Backend> backend;
  if (env.distributed()) {
    const auto timeout = std::chrono::milliseconds(timeout_seconds() * 1000);
    backend = std::make_unique<Backend>();
    std::fprintf(stderr, "[dist] rank %lld of %lld (%s), rendezvous at %s:%lld, %s\n",
                 static_cast<long long>(env.rank), static_cast<long long>(env.world_size), env.launcher.c_str(),
                 env.master_addr.c_str(), static_cast<long long>(env.master_port),
                 device.is_cuda() ? "NCCL" : "Gloo");
    try {
      c10d::TCPStoreOptions so;
      so.port = static_cast<std::uint16_t>(env.master_port);
      // torchrun's agent already hosts a store on MASTER_PORT; otherwise rank 0 hosts it.
      so.isServer = !env.agent_store && env.rank == 0;
      so.numWorkers = static_cast<std::size_t>(env.world_size);
      so.waitWorkers = false;
      so.timeout = timeout;
      so.multiTenant = true;
      auto tcp = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
      // A torchrun restart reuses the agent's store: its keys stay apart from the last attempt's.
      backend->store = c10::make_intrusive<c10d::PrefixStore>("vlsi/" + env.restart, tcp);
      const int rank = int(env.rank), size = int(env.world_size);
      backend->backend = device.is_cuda() ? make_nccl_backend(backend->store, rank, size, timeout)
                                          : make_gloo_backend(backend->store, rank, size, timeout);
    } catch (const c10::Error& e) {
      vlsi::fail("distributed: rank ", env.rank, " of ", env.world_size, ": joining the group at ", env.master_addr, ":",
           env.master_port, " failed: ", first_line(e.what_without_backtrace()));
    } catch (const std::exception& e) {
      if (dynamic_cast<const vlsi::Error*>(&e)) throw;
      vlsi::fail("distributed: rank ", env.rank, " of ", env.world_size, ": joining the group at ", env.master_addr, ":",
           env.master_port, " failed: ", first_line(e.what()));
    }
  }
  g_group.reset(new ProcessGroup(std::move(env), device.type(), std::move(backend)));
  return *g_group;
}

ProcessGroup& ProcessGroup::current() {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_group) return *g_group;
  }
  static ProcessGroup single(LaunchEnv{}, torch::kCPU, nullptr);
  return single;
}

torch::Device ProcessGroup::local_device(const torch::Device& requested) const {
  if (!requested.is_cuda() || requested.has_index() || !env_.distributed()) return requested;
  return torch::Device(torch::kCUDA, c10::DeviceIndex(env_.local_rank));
}

torch::Device ProcessGroup::collective_device() const {
  return device_type_ == torch::kCUDA ? torch::Device(torch::kCUDA, c10::DeviceIndex(env_.local_rank))
                                      : torch::Device(torch::kCPU);
}

void ProcessGroup::fail(const std::string& what, const std::string& cause) const {
  vlsi::fail("distributed: rank ", env_.rank, " of ", env_.world_size, ": ", what,
             " failed (a peer process exited, or nothing arrived within ", timeout_seconds(),
             " s, VLSI_DIST_TIMEOUT_S): ", first_line(cause));
}

namespace {

// Runs a c10d call; its failure (a peer gone, a timeout) becomes the group's one-line error.
template <typename Call>
auto guarded(const ProcessGroup& group, const std::string& what, Call call,
             void (ProcessGroup::*fail)(const std::string&, const std::string&) const) {
  try {
    return call();
  } catch (const c10::Error& e) {
    (group.*fail)(what, e.what_without_backtrace());
  } catch (const std::exception& e) {
    (group.*fail)(what, e.what());
  }
  __builtin_unreachable();  // fail() always throws
}

}  // namespace

void ProcessGroup::all_reduce_sum(std::vector<torch::Tensor>& tensors, const std::string& what) {
  std::vector<Pending> sums;
  for (auto& t : tensors) sums.push_back(all_reduce_sum_async(t, what));  // all started before any is waited for
  for (auto& s : sums) s.wait();
}

ProcessGroup::Pending ProcessGroup::all_reduce_sum_async(torch::Tensor& tensor, const std::string& what) {
  Pending p;
  p.group_ = this;
  p.what_ = what;
  if (!env_.distributed()) return p;
  check(tensor.is_contiguous(), "distributed: ", what, ": tensors must be contiguous");
  p.work_ = guarded(*this, what, [&] {
    std::vector<at::Tensor> one{tensor};  // Gloo reads a list as one tensor per local device
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::SUM;
    return backend_->backend->allreduce(one, o);
  }, &ProcessGroup::fail);
  return p;
}

void ProcessGroup::Pending::wait() {
  if (!work_.defined()) return;
  guarded(*group_, what_, [&] { return work_->wait(); }, &ProcessGroup::fail);
  work_.reset();
}

void ProcessGroup::broadcast_from_main(std::vector<torch::Tensor>& tensors, const std::string& what) {
  if (!env_.distributed()) return;
  for (auto& t : tensors)
    guarded(*this, what, [&] {
      std::vector<at::Tensor> one{t};
      c10d::BroadcastOptions o;
      o.rootRank = 0;
      return backend_->backend->broadcast(one, o)->wait();
    }, &ProcessGroup::fail);
}

void ProcessGroup::barrier(const std::string& what) {
  if (!env_.distributed()) return;
  guarded(*this, what, [&] { return backend_->backend->barrier()->wait(); }, &ProcessGroup::fail);
}

}  // namespace vlsi::dist
