// Training throughput of one full SFT optimizer step, teacher and student, on
// a fixed synthetic batch shaped like the demo's: 16 samples x 96 tokens
// (ChatML prompt, 64 image tokens from one 64x64 image with 8x8 patches, a
// ~21-token question, a 1-token answer + <|im_end|> carrying the labels).
//
// The step is the Trainer's (src/vlsi/train/trainer.cpp), through the
// product's own code: set lr, release_grads, SftTask::compute_loss (forward
// with compute_logits=false, answer-token cross-entropy), loss.item() (the
// trainer's finiteness check), backward, clip_grad_norm_(1.0), FusedAdamW step
// (weight decay on matrices only, as the demo: lr 1e-3, wd 0.01), with the
// vlsi binary's malloc settings.
//
// Counters: tokens_per_s (attention-mask tokens per second, as the trainer
// counts them), flops_per_s (model FLOPs per second, see step_flops), the
// step's matmul FLOPs, and per-phase milliseconds.
//
// Flags (stripped before Google Benchmark sees the rest):
//   --threads=N     intra-op threads (also $VLSI_BENCH_THREADS); 0 = every core
//   --configs=DIR   folder holding teacher.json and student.json
//                   (default: configs/models under $VLSI_SOURCE_DIR or a
//                   parent of the working folder or of this executable)
//   --profile=MODEL:PATH  instead of benchmarking, write a chrome trace of 3
//                   steps of MODEL (teacher|student) to PATH
#include <ATen/CPUGeneratorImpl.h>
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <torch/csrc/autograd/profiler_legacy.h>

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/malloc_tuning.h"
#include "vlsi/model/init.h"
#include "vlsi/train/sft_task.h"
#include "bench_threads.h"
#include "vlsi/train/fused_adamw.h"
#include "vlsi/train/trainer.h"

namespace {

// Benchmark shape (see the header comment).
constexpr int64_t kBatch = 16;
constexpr int64_t kSeqLen = 96;
constexpr int64_t kImageStart = 3;     // <|im_start|> user \n
constexpr int64_t kAnswerPos = 93;     // answer token; kAnswerPos + 1 is <|im_end|>
constexpr int64_t kVocab = 512;        // the demo tokenizer's size
constexpr int64_t kImageToken = 511;   // its "<image>" id
constexpr double kLr = 1e-3, kWeightDecay = 0.01, kGradClip = 1.0;

bool exists(const std::string& p) { return std::ifstream(p).good(); }

std::string find_up(std::string dir, const std::string& rel) {
  while (!dir.empty()) {
    if (exists(dir + "/" + rel)) return dir + "/" + rel;
    auto slash = dir.find_last_of('/');
    if (slash == std::string::npos || slash == 0) break;
    dir = dir.substr(0, slash);
  }
  return "";
}

std::string g_configs_dir;  // from --configs, else located on first use
int64_t g_threads = 0;

std::string configs_dir() {
  if (!g_configs_dir.empty()) return g_configs_dir;
  const std::string probe = "configs/models/teacher.json";
  if (const char* s = std::getenv("VLSI_SOURCE_DIR")) return std::string(s) + "/configs/models";
  char buf[4096];
  if (getcwd(buf, sizeof(buf))) {
    auto p = find_up(buf, probe);
    if (!p.empty()) return p.substr(0, p.size() - std::string("/teacher.json").size());
  }
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) {
    buf[n] = 0;
    auto p = find_up(buf, probe);
    if (!p.empty()) return p.substr(0, p.size() - std::string("/teacher.json").size());
  }
  return "configs/models";
}

using vlsi_bench::blas_threads;
using vlsi_bench::set_threads;

vlsi::model::VlmConfig load_config(const std::string& name) {
  std::string path = configs_dir() + "/" + name + ".json";
  nlohmann::json j = vlsi::io::read_json_file(path);
  j["text_config"]["vocab_size"] = kVocab;
  j["image_token_index"] = kImageToken;
  return vlsi::model::VlmConfig::from_json(j, path);
}

// Deterministic token ids below the image token (the same formula as
// bench/peer/train_step_peer.py, so both sides see the same batch).
int64_t text_id(int64_t b, int64_t t) { return 4 + (b * 131 + t * 17) % (kImageToken - 4); }

vlsi::data::Batch make_batch(const vlsi::model::VlmConfig& c) {
  const int64_t per_image = c.single_tile_image_tokens();
  vlsi::check(kImageStart + per_image < kAnswerPos - 5, "train_step_bench: ", per_image,
              " image tokens do not fit a ", kSeqLen, "-token sample");
  auto ids = torch::empty({kBatch, kSeqLen}, torch::kLong);
  auto labels = torch::full({kBatch, kSeqLen}, -100, torch::kLong);
  auto id = ids.accessor<int64_t, 2>();
  auto lab = labels.accessor<int64_t, 2>();
  for (int64_t b = 0; b < kBatch; ++b) {
    for (int64_t t = 0; t < kSeqLen; ++t) id[b][t] = text_id(b, t);
    for (int64_t t = kImageStart; t < kImageStart + per_image; ++t) id[b][t] = kImageToken;
    lab[b][kAnswerPos] = id[b][kAnswerPos];
    lab[b][kAnswerPos + 1] = id[b][kAnswerPos + 1];
  }
  vlsi::data::Batch batch;
  batch.input_ids = ids;
  batch.labels = labels;
  batch.attention_mask = torch::ones({kBatch, kSeqLen}, torch::kLong);  // no padding
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1234);
  const auto& v = c.vision_config;
  // One tile per image (its features and one image_newline): the peer's
  // sequence has the same length less that one token per image.
  batch.images = vlsi::model::VisionInputs::one_tile_each(at::normal(
      0.0, 1.0, {kBatch, v.num_channels, v.image_size, v.image_size}, gen, torch::TensorOptions().dtype(torch::kFloat)));
  batch.num_label_tokens = 2 * kBatch;
  return batch;
}

// Matmul FLOPs of one training step, counted exactly: 2*m*n*k per forward
// matmul; backward doubles it (input grad + weight grad), except the patch
// convolution, whose input (pixels) needs no grad. Attention counts the full
// T x T score and value products as computed (the causal mask is additive).
// Element-wise work (norms, softmax, activations, rotary, AdamW) is not counted.
struct StepFlops {
  double forward = 0, backward = 0;
  double total() const { return forward + backward; }
};

StepFlops step_flops(const vlsi::model::VlmConfig& c) {
  const auto& v = c.vision_config;
  const auto& t = c.text_config;
  StepFlops f;
  auto mm = [&](double m, double n, double k, bool input_grad = true) {
    f.forward += 2 * m * n * k;
    f.backward += (input_grad ? 4 : 2) * m * n * k;
  };
  const double N = kBatch, P = v.num_patches(), E = v.hidden_size;
  mm(N * P, E, v.num_channels * v.patch_size * v.patch_size, /*input_grad=*/false);
  for (int64_t l = 0; l < c.vision_feature_layer_index(); ++l) {
    mm(N * P, E, E);  // q, k, v, out
    mm(N * P, E, E);
    mm(N * P, E, E);
    mm(N * P, E, E);
    mm(N * v.num_attention_heads * P, P, v.head_dim());  // scores
    mm(N * v.num_attention_heads * P, v.head_dim(), P);  // probs @ V
    mm(N * P, v.intermediate_size, E);
    mm(N * P, E, v.intermediate_size);
  }
  const double Pi = c.single_tile_image_tokens(), H = t.hidden_size;
  mm(N * Pi, H, E);  // projector
  mm(N * Pi, H, H);
  const double M = kBatch * kSeqLen, D = t.head_dim(), T = kSeqLen;
  for (int64_t l = 0; l < t.num_hidden_layers; ++l) {
    mm(M, t.num_attention_heads * D, H);
    mm(M, t.num_key_value_heads * D, H);
    mm(M, t.num_key_value_heads * D, H);
    mm(M, H, t.num_attention_heads * D);
    mm(kBatch * t.num_attention_heads * T, T, D);
    mm(kBatch * t.num_attention_heads * T, D, T);
    mm(M, t.intermediate_size, H);  // gate, up, down
    mm(M, t.intermediate_size, H);
    mm(M, H, t.intermediate_size);
  }
  mm(2.0 * kBatch, t.vocab_size, H);  // head on the answer positions only
  return f;
}

std::unique_ptr<vlsi::train::FusedAdamW> make_optimizer(const std::vector<torch::Tensor>& params) {
  vlsi::train::TrainerConfig c;  // the Trainer's betas and eps
  c.lr = kLr;
  c.weight_decay = kWeightDecay;
  return vlsi::train::make_adamw(params, c);
}

// One optimizer step exactly as the Trainer runs it, with per-phase timers.
class TrainStep {
 public:
  explicit TrainStep(const std::string& name)
      : config_(load_config(name)),
        task_(vlsi::model::create_model(config_, /*seed=*/0), vlsi::train::SftOptions{}),
        params_(task_.trainable_parameters()),
        opt_(make_optimizer(params_)),
        batch_(make_batch(config_)) {
    task_.set_training(true);
  }

  void run(bool timed) {
    using Clock = std::chrono::steady_clock;
    auto t0 = Clock::now();
    for (auto& g : opt_->param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(kLr);
    vlsi::train::release_grads(*opt_);  // as the Trainer
    auto t1 = Clock::now();
    auto out = task_.compute_loss(batch_);
    last_loss = out.loss.item<double>();  // the trainer's finiteness check
    auto t2 = Clock::now();
    out.loss.backward();
    auto t3 = Clock::now();
    torch::nn::utils::clip_grad_norm_(params_, kGradClip);
    auto t4 = Clock::now();
    opt_->step();
    auto t5 = Clock::now();
    if (!timed) return;
    auto d = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    phase_ms[0] += d(t0, t1), phase_ms[1] += d(t1, t2), phase_ms[2] += d(t2, t3), phase_ms[3] += d(t3, t4);
    phase_ms[4] += d(t4, t5);
    step_ms += d(t0, t5);
    tokens += out.tokens;
    ++steps;
  }

  const vlsi::model::VlmConfig& config() const { return config_; }
  int64_t parameter_count() { return task_.model()->parameter_count(); }

  double phase_ms[5] = {0, 0, 0, 0, 0};  // zero_grad, forward(+loss), backward, clip, optimizer
  double step_ms = 0;                     // wall time of the timed steps, for the rates
  int64_t tokens = 0, steps = 0;
  double last_loss = 0.0;

 private:
  vlsi::model::VlmConfig config_;
  vlsi::train::SftTask task_;
  std::vector<torch::Tensor> params_;
  std::unique_ptr<vlsi::train::FusedAdamW> opt_;
  vlsi::data::Batch batch_;
};

void BM_TrainStep(benchmark::State& state, const std::string& name) {
  set_threads(g_threads);
  torch::manual_seed(0);
  TrainStep step(name);
  const StepFlops flops = step_flops(step.config());
  for (int i = 0; i < 2; ++i) step.run(false);  // AdamW state and allocator warm-up

  for (auto _ : state) step.run(true);

  const double iters = double(step.steps);
  const double seconds = step.step_ms / 1e3;
  state.counters["tokens_per_s"] = double(step.tokens) / seconds;
  state.counters["flops_per_s"] = flops.total() * iters / seconds;
  state.counters["step_gflop"] = flops.total() / 1e9;
  state.counters["tokens_per_step"] = double(step.tokens) / iters;
  state.counters["params"] = double(step.parameter_count());
  const char* names[5] = {"zero_grad_ms", "forward_ms", "backward_ms", "clip_ms", "optimizer_ms"};
  for (int i = 0; i < 5; ++i) state.counters[names[i]] = step.phase_ms[i] / iters;
  state.counters["threads"] = torch::get_num_threads();
  state.counters["blas_threads"] = blas_threads();
  state.counters["loss"] = step.last_loss;
}

// --profile=MODEL:PATH: a chrome trace of 3 steps after warm-up, for
// bench/peer/compare_profiles.py (op-level self time, ours vs the peer).
int profile(const std::string& spec) {
  auto colon = spec.find(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "train_step_bench: --profile expects MODEL:PATH, got '%s'\n", spec.c_str());
    return 1;
  }
  set_threads(g_threads);
  torch::manual_seed(0);
  TrainStep step(spec.substr(0, colon));
  for (int i = 0; i < 2; ++i) step.run(false);
  {
    torch::autograd::profiler::RecordProfile trace(spec.substr(colon + 1));
    for (int i = 0; i < 3; ++i) step.run(true);
  }
  std::printf("%s: 3 steps, %.1f ms/step, trace in %s\n", spec.substr(0, colon).c_str(), step.step_ms / 3,
              spec.substr(colon + 1).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  vlsi::io::keep_freed_memory_for_reuse();  // as the vlsi binary does
  if (const char* s = std::getenv("VLSI_BENCH_THREADS")) g_threads = std::atoll(s);
  std::vector<char*> rest;
  std::string profile_spec;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--threads=", 0) == 0) {
      g_threads = std::atoll(a.c_str() + 10);
    } else if (a.rfind("--configs=", 0) == 0) {
      g_configs_dir = a.substr(10);
    } else if (a.rfind("--profile=", 0) == 0) {
      profile_spec = a.substr(10);
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (!profile_spec.empty()) return profile(profile_spec);
  int n = int(rest.size());
  for (const char* name : {"teacher", "student"})
    benchmark::RegisterBenchmark(("train_step/" + std::string(name)).c_str(), BM_TrainStep, std::string(name))
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 1;
  const size_t ran = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return ran > 0 ? 0 : 1;  // a filter matching nothing is an error for the scripts
}
