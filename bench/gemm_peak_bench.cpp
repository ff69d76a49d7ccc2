// The machine's fp32 GEMM peak as libtorch reaches it: C = A x B for square
// float32 matrices (torch::mm_out into a preallocated C, so only the BLAS call
// is timed). Counter gflops_per_s = 2 n^3 per product / wall time. The peak the
// training benchmarks are judged against is the best size (2048 by default).
//
// Flags (stripped before Google Benchmark sees the rest):
//   --threads=N   intra-op threads (also $VLSI_BENCH_THREADS); 0 = every core
#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_threads.h"
#include "vlsi/train/trainer.h"

namespace {

int64_t g_threads = 0;

using vlsi_bench::blas_threads;
using vlsi_bench::set_threads;

void BM_Gemm(benchmark::State& state) {
  set_threads(g_threads);
  const int64_t n = state.range(0);
  torch::manual_seed(0);
  auto a = torch::randn({n, n});
  auto b = torch::randn({n, n});
  auto c = torch::empty({n, n});
  torch::mm_out(c, a, b);  // warm-up: BLAS thread start, page faults
  double seconds = 0;  // own timer: the rate must be per wall second whatever gbench divides by
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    torch::mm_out(c, a, b);
    benchmark::DoNotOptimize(c.data_ptr<float>());
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  const double flops = 2.0 * double(n) * double(n) * double(n);
  state.counters["gflops_per_s"] = flops * double(state.iterations()) / seconds * 1e-9;
  state.counters["threads"] = torch::get_num_threads();
  state.counters["blas_threads"] = blas_threads();
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* s = std::getenv("VLSI_BENCH_THREADS")) g_threads = std::atoll(s);
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--threads=", 0) == 0)
      g_threads = std::atoll(a.c_str() + 10);
    else
      rest.push_back(argv[i]);
  }
  int n = int(rest.size());
  benchmark::RegisterBenchmark("gemm_fp32", BM_Gemm)
      ->Arg(512)
      ->Arg(1024)
      ->Arg(2048)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 1;
  const size_t ran = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return ran > 0 ? 0 : 1;  // a filter matching nothing is an error for the scripts
}
