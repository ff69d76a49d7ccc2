// Compiled with USE_C10D_NCCL and the wheel's nccl.h when CMake found it
// (VLSI_WITH_NCCL); the code itself is in libtorch_cuda.
#include "vlsi/dist/backends.h"
#include "vlsi/io/error.h"

#if VLSI_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace vlsi::dist {

c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                    std::chrono::milliseconds timeout) {
#if VLSI_WITH_NCCL
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
#else
  fail("distributed: this vlsi was built without NCCL (nccl.h not found at configure time); "
       "CUDA training with several processes needs it");
#endif
}

}  // namespace vlsi::dist
