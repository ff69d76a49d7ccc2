// Per-layer costs that docs/scaling.md scales from: one Qwen2 decoder layer at
// the widths of Qwen2-VL-2B and Qwen2-VL-72B, the LM head (the verbalizer's
// matrix product) of each, and one Qwen2-VL vision block (width 1280), timed
// forward (no grad) and forward + backward in the given dtype, next to the
// machine's GEMM peak for that dtype measured in the same process.
// Prints JSON lines:
//   {"event": "gemm", ...}       square C = A x B, each size, achieved TFLOP/s
//   {"event": "gemm_peak", ...}  the best of them: what efficiencies are relative to
//   {"event": "layer", ...}      one kind: parameters, FLOPs, median seconds, TFLOP/s, efficiency
//
// FLOPs: 2 per weight per token for every matrix product (norms and element-wise
// work uncounted), plus attention's QK^T and AV: 2 * T^2 * width for causal text
// attention (half the square, as a causal kernel computes), 4 * N^2 * width for
// the vision block (each image attends to all of itself). Backward = 2 x forward.
//
//   build/layer_cost_bench [--threads 2] [--tokens 512] [--patches 1024] [--warmup 1] [--steps 3]
//       [--kinds decoder_2b,decoder_72b,head_2b,head_72b,vision_block] [--dtype bfloat16] [--device cpu|cuda]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include <torch/cuda.h>

#include "bench_threads.h"
#include "machine_load.h"
#include "vlsi/io/error.h"
#include "vlsi/model/attention.h"
#include "vlsi/model/config.h"
#include "vlsi/model/qwen2.h"
#include "vlsi/model/qwen2_vl/vision_transformer.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

void emit(const json& j) { std::printf("%s\n", j.dump().c_str()), std::fflush(stdout); }

torch::Device g_device = torch::kCPU;
// A GPU runs asynchronously: wait for its queued work before reading the clock.
void sync() {
  if (g_device.is_cuda()) torch::cuda::synchronize();
}

// Median seconds of `steps` calls after `warmup` untimed ones.
double median_seconds(const std::function<void()>& step, int64_t warmup, int64_t steps) {
  std::vector<double> times;
  for (int64_t s = 0; s < warmup + steps; ++s) {
    sync();
    const auto t = Clock::now();
    step();
    sync();
    if (s >= warmup) times.push_back(std::chrono::duration<double>(Clock::now() - t).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// The best square-GEMM rate over a few sizes, each timed for about a second.
double gemm_peak_tflops(torch::ScalarType dtype) {
  double best = 0;
  int64_t best_n = 0;
  for (int64_t n : {1024, 2048, 4096}) {
    const auto opts = torch::TensorOptions(dtype).device(g_device);
    auto a = torch::randn({n, n}, opts), b = torch::randn({n, n}, opts), c = torch::empty({n, n}, opts);
    torch::mm_out(c, a, b);  // warm-up: thread start, page faults, kernel choice
    const double flops = 2.0 * double(n) * double(n) * double(n);
    int64_t reps = 0;
    sync();
    const auto t = Clock::now();
    double s = 0;
    while (s < 1.0) {
      torch::mm_out(c, a, b);
      ++reps;
      if (reps % 16 == 0 || !g_device.is_cuda()) sync(), s = std::chrono::duration<double>(Clock::now() - t).count();
    }
    const double tflops = flops * double(reps) / s * 1e-12;
    emit({{"event", "gemm"}, {"n", n}, {"dtype", std::string(c10::toString(dtype))}, {"reps", reps}, {"tflops", tflops}});
    if (tflops > best) best = tflops, best_n = n;
  }
  emit({{"event", "gemm_peak"}, {"n", best_n}, {"tflops", best}});
  return best;
}

int64_t count(const torch::nn::Module& m, bool matrices_only) {
  int64_t n = 0;
  for (const auto& p : m.parameters())
    if (!matrices_only || p.dim() == 2) n += p.numel();
  return n;
}

// One kind to time: the module (for its parameter counts), a forward returning
// the output, its input, and the forward FLOPs.
struct Kind {
  std::string name, what;
  std::shared_ptr<torch::nn::Module> module;
  std::function<torch::Tensor(const torch::Tensor&)> forward;
  torch::Tensor input;
  double forward_flops;
};

void time_kind(Kind& k, double peak_tflops, int64_t warmup, int64_t steps) {
  k.module->to(g_device);
  k.input = k.input.to(g_device);
  const double busy0 = vlsi_bench::machine_busy_s(), own0 = vlsi_bench::own_cpu_s();
  const auto t0 = Clock::now();
  k.module->eval();  // no dropout anywhere here; eval only says "not training" to modules that care
  const double fwd_s = median_seconds(
      [&] {
        torch::NoGradGuard g;
        k.forward(k.input);
      },
      warmup, steps);
  for (auto& p : k.module->parameters()) p.set_requires_grad(true);
  const torch::Tensor x = k.input.detach().requires_grad_(true);  // a layer inside a stack: d/dx is needed too
  const double train_s = median_seconds(
      [&] {
        for (auto& p : k.module->parameters()) p.mutable_grad() = torch::Tensor();
        torch::Tensor out = k.forward(x);
        out.backward(torch::randn_like(out));
      },
      warmup, steps);
  const double train_flops = 3.0 * k.forward_flops;
  emit({{"event", "layer"}, {"kind", k.name}, {"what", k.what}, {"parameters", count(*k.module, false)},
        {"matrix_parameters", count(*k.module, true)}, {"input_shape", k.input.sizes().vec()},
        {"forward_flops", k.forward_flops}, {"forward_s", fwd_s}, {"forward_tflops", k.forward_flops / fwd_s * 1e-12},
        {"forward_efficiency", k.forward_flops / fwd_s * 1e-12 / peak_tflops}, {"train_flops", train_flops},
        {"train_s", train_s}, {"train_tflops", train_flops / train_s * 1e-12},
        {"train_efficiency", train_flops / train_s * 1e-12 / peak_tflops},
        // Other processes' CPU seconds per wall second of this kind's timing: 0 on a quiet machine, up to the cores.
        {"other_processes_cpu_per_s", (vlsi_bench::machine_busy_s() - busy0 - (vlsi_bench::own_cpu_s() - own0)) /
                                          std::chrono::duration<double>(Clock::now() - t0).count()}});
  for (auto& p : k.module->parameters()) p.mutable_grad() = torch::Tensor();
}

vlsi::model::TextConfig text_widths(int64_t hidden, int64_t intermediate, int64_t heads, int64_t kv_heads) {
  vlsi::model::TextConfig c;
  c.hidden_size = hidden, c.intermediate_size = intermediate;
  c.num_attention_heads = heads, c.num_key_value_heads = kv_heads;
  c.rope_theta = 1e6, c.num_hidden_layers = 1;
  return c;
}

Kind decoder_layer(const std::string& name, const vlsi::model::TextConfig& c, int64_t tokens, torch::ScalarType dt) {
  auto layer = vlsi::model::Qwen2DecoderLayer(c);
  auto rope = std::make_shared<vlsi::model::RotaryTables>(vlsi::model::rotary_tables(
      torch::arange(tokens, torch::TensorOptions(torch::kLong).device(g_device)).unsqueeze(0), c.head_dim(),
      c.rope_theta, dt));
  const double t = double(tokens);
  Kind k{name, "Qwen2 decoder layer, hidden " + std::to_string(c.hidden_size) + ", causal sdpa", layer.ptr(),
         [layer, rope](const torch::Tensor& x) mutable { return layer->forward(x, *rope, {}); },
         torch::randn({1, tokens, c.hidden_size}).to(dt), 0};
  k.forward_flops = 2.0 * double(count(*layer, true)) * t + 2.0 * t * t * double(c.hidden_size);
  return k;
}

// The verbalizer's cost is its vocabulary-wide product: normed hidden [T, H] x W[V, H]^T.
Kind lm_head(const std::string& name, int64_t hidden, int64_t vocab, int64_t tokens, torch::ScalarType dt) {
  auto head = torch::nn::Linear(torch::nn::LinearOptions(hidden, vocab).bias(false));
  Kind k{name, "LM head " + std::to_string(hidden) + " x " + std::to_string(vocab), head.ptr(),
         [head](const torch::Tensor& x) mutable { return head->forward(x); }, torch::randn({tokens, hidden}).to(dt), 0};
  k.forward_flops = 2.0 * double(hidden) * double(vocab) * double(tokens);
  return k;
}

// One Qwen2-VL vision block over one image of `patches` patches (a square grid).
Kind vision_block(int64_t patches, torch::ScalarType dt) {
  vlsi::model::Qwen2VisionConfig c;  // defaults: Qwen2-VL's tower, embed_dim 1280, 16 heads, mlp_ratio 4
  namespace nn = torch::nn;
  auto layer_norm = [&] { return nn::AnyModule(nn::LayerNorm(nn::LayerNormOptions({c.embed_dim}).eps(1e-6))); };
  auto block = vlsi::model::qwen2_vl::VisionBlock(layer_norm(), layer_norm(),
                                                  vlsi::model::qwen2_vl::VisionAttention(c.embed_dim, c.num_heads),
                                                  nn::AnyModule(vlsi::model::qwen2_vl::VisionMlp(c)));
  const int64_t side = int64_t(std::lround(std::sqrt(double(patches))));
  vlsi::check(side * side == patches && side % c.spatial_merge_size == 0, "--patches must be a square of an even side");
  auto angles = vlsi::model::qwen2_vl::vision_rotary_angles({{1, side, side}}, c.spatial_merge_size, c.head_dim(),
                                                            g_device);
  auto cos = angles.cos(), sin = angles.sin();
  const std::vector<int64_t> lengths{patches};
  Kind k{"vision_block", "Qwen2-VL vision block, width 1280, one image of " + std::to_string(patches) + " patches",
         block.ptr(), [block, cos, sin, lengths](const torch::Tensor& x) mutable {
           return block->forward(x, cos, sin, lengths);
         },
         torch::randn({patches, c.embed_dim}).to(dt), 0};
  const double n = double(patches);
  k.forward_flops = 2.0 * double(count(*block, true)) * n + 4.0 * n * n * double(c.embed_dim);
  return k;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"per-layer costs (decoder layer, LM head, vision block) next to the GEMM peak"};
  int64_t threads = 2, tokens = 512, patches = 1024, warmup = 1, steps = 3;
  std::string kinds = "decoder_2b,decoder_72b,head_2b,head_72b,vision_block", dtype_name = "bfloat16", device = "cpu";
  app.add_option("--threads", threads, "compute threads")->capture_default_str();
  app.add_option("--tokens", tokens, "sequence length of the decoder layers and heads")->capture_default_str();
  app.add_option("--patches", patches, "patches of the vision block's image (448 x 448 px: 1024)")->capture_default_str();
  app.add_option("--warmup", warmup, "untimed steps first")->capture_default_str();
  app.add_option("--steps", steps, "timed steps (median)")->capture_default_str();
  app.add_option("--kinds", kinds, "comma-separated kinds to time")->capture_default_str();
  app.add_option("--dtype", dtype_name, "bfloat16 or float32")->check(CLI::IsMember({"bfloat16", "float32"}));
  app.add_option("--device", device, "cpu, or cuda (the same kinds on a GPU build)");
  CLI11_PARSE(app, argc, argv);
  try {
    g_device = torch::Device(device);
    vlsi_bench::set_threads(threads);
    const auto dt = dtype_name == "bfloat16" ? torch::kBFloat16 : torch::kFloat;
    torch::manual_seed(0);
    emit({{"event", "start"}, {"threads", threads}, {"torch", TORCH_VERSION}, {"dtype", dtype_name},
          {"load_average_1min", vlsi_bench::load_average_1min()},
          {"tokens", tokens}, {"patches", patches}, {"device", device}});
    const double peak = gemm_peak_tflops(dt);
    // Modules are built directly in dt: a 72B layer never has a float32 copy (3.5 GB).
    torch::set_default_dtype(dt == torch::kBFloat16 ? caffe2::TypeMeta::Make<c10::BFloat16>()
                                                    : caffe2::TypeMeta::Make<float>());
    std::stringstream list(kinds);
    for (std::string name; std::getline(list, name, ',');) {
      Kind k = name == "decoder_2b"    ? decoder_layer(name, text_widths(1536, 8960, 12, 2), tokens, dt)
               : name == "decoder_72b" ? decoder_layer(name, text_widths(8192, 29568, 64, 8), tokens, dt)
               : name == "head_2b"     ? lm_head(name, 1536, 151936, tokens, dt)
               : name == "head_72b"    ? lm_head(name, 8192, 152064, tokens, dt)
               : name == "vision_block" ? vision_block(patches, dt)
                                        : throw std::runtime_error("unknown kind " + name);
      time_kind(k, peak, warmup, steps);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
