#pragma once
// Thread setup shared by the benchmarks. The torch wheel's libtorch runs its
// matmuls in MKL on the same OpenMP pool as its element-wise kernels, and
// torch::set_num_threads sets both, so one call covers every kernel.
#include <torch/torch.h>

#include <cstdint>

#include "vlsi/train/trainer.h"

namespace vlsi_bench {

inline void set_threads(int64_t threads) { vlsi::train::set_compute_threads(threads); }

// Threads the matmuls run on (MKL follows torch's intra-op count).
inline int blas_threads() { return torch::get_num_threads(); }

}  // namespace vlsi_bench
