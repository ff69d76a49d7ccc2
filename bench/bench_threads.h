#pragma once
// Thread setup shared by the benchmarks. libtorch 1.13 sets only its OpenMP
// pool; OpenBLAS (where the matmuls run) keeps its own, so both are set when
// OpenBLAS is the loaded BLAS.
#include <dlfcn.h>
#include <torch/torch.h>

#include <cstdint>

#include "vlsi/train/trainer.h"

namespace vlsi_bench {

inline void set_threads(int64_t threads) {
  vlsi::train::set_compute_threads(threads);
  using SetFn = void (*)(int);
  if (auto set = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set(torch::get_num_threads());
}

// OpenBLAS's own thread count, or -1 when another BLAS is loaded.
inline int openblas_threads() {
  using GetFn = int (*)();
  auto get = reinterpret_cast<GetFn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get ? get() : -1;
}

}  // namespace vlsi_bench
