#pragma once
// Makers of the c10d backends, one file each: Gloo's and NCCL's headers need
// their own compile definitions (USE_C10D_GLOO, USE_C10D_NCCL) and third-party
// headers, kept out of every other translation unit.
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <chrono>

namespace vlsi::dist {

c10::intrusive_ptr<c10d::Backend> make_gloo_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                    std::chrono::milliseconds timeout);
// Throws when this build has no NCCL (nccl.h was not found at configure time).
c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                    std::chrono::milliseconds timeout);

}  // namespace vlsi::dist
