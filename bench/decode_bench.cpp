// Generation speed of the demo models (configs/models/{student,teacher}.json,
// random weights, vocabulary 512): prefill tokens/s and decode tokens/s, with
// the KV cache and without it (the training forward over the whole sequence
// at every step), through the product's own StepModel (src/vlsi/infer).
//
// Prompt: one 64x64 image (64 image tokens) plus 32 text tokens per row;
// decoding always takes the argmax and never stops early (no stop ids), so
// every run decodes exactly --new-tokens tokens per row.
//
// Usage: OMP_WAIT_POLICY=PASSIVE decode_bench [--configs DIR] [--threads N] [--new-tokens N] [--batch B] [--repeats R]
// (passive OpenMP waiting, as the vlsi binary sets for itself: busy-waiting
// threads on a shared 2-core machine made the uncached path 15x slower).
// Prints one markdown table row per model and path; best of R runs.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "vlsi/infer/step_model.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/malloc_tuning.h"
#include "vlsi/model/init.h"
#include "vlsi/train/trainer.h"

using namespace vlsi;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kVocab = 512, kImageToken = 511, kTextTokens = 32;

struct Args {
  std::string configs = "configs/models";
  int64_t threads = 2, new_tokens = 256, batch = 1, repeats = 3;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--configs") a.configs = v;
    else if (k == "--threads") a.threads = std::stoll(v);
    else if (k == "--new-tokens") a.new_tokens = std::stoll(v);
    else if (k == "--batch") a.batch = std::stoll(v);
    else if (k == "--repeats") a.repeats = std::stoll(v);
    else fail("decode_bench: unknown flag ", k);
  }
  return a;
}

model::CausalVlm demo_model(const std::string& path) {
  auto j = io::read_json_file(path);
  j["text_config"]["vocab_size"] = kVocab;
  j["image_token_index"] = kImageToken;
  auto m = model::create_model(model::VlmConfig::from_json(j, path), 0);
  m->eval();
  return m;
}

struct Timing {
  double prefill_s = 1e30, decode_s = 1e30;
};

Timing time_path(model::CausalVlm& m, bool cached, const Args& a) {
  torch::NoGradGuard no_grad;
  const int64_t per_image = m->config().single_tile_image_tokens();
  auto ids = torch::randint(0, kImageToken, {a.batch, per_image + kTextTokens}, torch::kLong);
  ids.narrow(1, 2, per_image).fill_(kImageToken);
  auto mask = torch::ones_like(ids);
  auto pixels = model::VisionInputs::one_tile_each(
      torch::randn({a.batch, 3, m->config().vision_config.image_size, m->config().vision_config.image_size}));
  Timing best;
  for (int64_t r = 0; r < a.repeats; ++r) {
    auto sm = infer::make_step_model(m, {}, cached, a.new_tokens);
    auto t0 = Clock::now();
    auto logits = sm->prefill(ids, mask, pixels);
    auto t1 = Clock::now();
    // The first new token comes from the prefill; each further one costs a step.
    for (int64_t s = 1; s < a.new_tokens; ++s) logits = sm->step(logits.argmax(-1));
    auto t2 = Clock::now();
    best.prefill_s = std::min(best.prefill_s, std::chrono::duration<double>(t1 - t0).count());
    best.decode_s = std::min(best.decode_s, std::chrono::duration<double>(t2 - t1).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  vlsi::io::keep_freed_memory_for_reuse();  // as the vlsi binary does
  try {
    Args a = parse(argc, argv);
    train::set_compute_threads(a.threads);
    std::printf("threads %lld, batch %lld, %lld new tokens per row, best of %lld\n\n", (long long)a.threads,
                (long long)a.batch, (long long)a.new_tokens, (long long)a.repeats);
    std::printf("| model | path | prompt tokens | prefill tokens/s | decode tokens/s | ms per step | decode speed-up vs uncached |\n");
    std::printf("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (const char* name : {"student", "teacher"}) {
      auto m = demo_model(a.configs + "/" + name + ".json");
      const int64_t prompt = m->config().single_tile_image_tokens() + kTextTokens;
      const double tokens = double(a.batch * (a.new_tokens - 1));  // decoded after the prefill
      Timing cached = time_path(m, true, a), plain = time_path(m, false, a);
      for (bool is_cached : {true, false}) {
        const Timing& t = is_cached ? cached : plain;
        char speedup[32];
        std::snprintf(speedup, sizeof(speedup), "%.1fx", plain.decode_s / t.decode_s);
        std::printf("| %s | %s | %lld | %.0f | %.1f | %.2f | %s |\n", name, is_cached ? "cached" : "uncached",
                    (long long)prompt, double(a.batch * prompt) / t.prefill_s, tokens / t.decode_s,
                    1e3 * t.decode_s / double(a.new_tokens - 1), speedup);
      }
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
