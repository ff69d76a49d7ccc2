// Encode throughput on the real Qwen3 tokenizer over ~1 MB of mixed-language
// text (English, Chinese, Japanese, Korean, Russian, Arabic, code, numbers,
// emoji), and the same text through the reference (Hugging Face `tokenizers`,
// Rust, called from Python) for context.
//
// Tokenizer: $VLSI_TOKENIZER, else the committed fixture
// tests/data/qwen3-tokenizer/tokenizer.json.gz (unpacked to /tmp) under
// $VLSI_SOURCE_DIR or any parent of the working folder or of this executable.
// Reference interpreter: $VLSI_PYTHON, else .venv/bin/python in that tree.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "vlsi/text/tokenizer.h"

namespace {

const char* kRelative = "tests/data/qwen3-tokenizer/tokenizer.json.gz";

bool exists(const std::string& p) { return std::ifstream(p).good(); }

std::string find_up(std::string dir) {
  while (!dir.empty()) {
    if (exists(dir + "/" + kRelative)) return dir;
    auto slash = dir.find_last_of('/');
    if (slash == std::string::npos || slash == 0) break;
    dir = dir.substr(0, slash);
  }
  return "";
}

std::string source_dir() {
  if (const char* s = std::getenv("VLSI_SOURCE_DIR")) return s;
  char buf[4096];
  if (getcwd(buf, sizeof(buf))) {
    std::string d = find_up(buf);
    if (!d.empty()) return d;
  }
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) {
    buf[n] = 0;
    return find_up(buf);
  }
  return "";
}

std::string tokenizer_path() {
  if (const char* p = std::getenv("VLSI_TOKENIZER")) return p;
  std::string d = source_dir();
  if (d.empty()) return "";
  const std::string out = "/tmp/vlsi_bench_qwen3_tokenizer.json";
  if (!exists(out) && std::system(("gzip -dc '" + d + "/" + kRelative + "' > " + out).c_str()) != 0) return "";
  return out;
}

std::string python_path() {
  if (const char* p = std::getenv("VLSI_PYTHON")) return p;
  std::string d = source_dir();
  return d.empty() ? std::string() : d + "/.venv/bin/python";
}

// Deterministic ~1 MB: sentences drawn from several languages and code.
const std::string& bench_text() {
  static const std::string text = [] {
    const std::vector<std::string> sentences = {
        "The quick brown fox jumps over the lazy dog, doesn't it? ",
        "Vision-language models answer questions about images and charts. ",
        "In 2024, the model scored 87.5% on the benchmark (up from 81.2%). ",
        "\u6211\u4eec\u63d0\u51fa\u4e86\u4e00\u79cd\u65b0\u7684\u84b8\u998f\u65b9\u6cd5\uff0c\u53ef\u4ee5\u5c06\u5927\u6a21\u578b\u7684\u77e5\u8bc6\u8fc1\u79fb\u5230\u5c0f\u6a21\u578b\u3002",
        "\u3053\u306e\u753b\u50cf\u306b\u306f\u732b\u304c\u4e8c\u5339\u5199\u3063\u3066\u3044\u307e\u3059\u3002",
        "\uc774 \uadf8\ub9bc\uc5d0\ub294 \uace0\uc591\uc774 \ub450 \ub9c8\ub9ac\uac00 \uc788\uc2b5\ub2c8\ub2e4. ",
        "\u041d\u0430 \u043a\u0430\u0440\u0442\u0438\u043d\u043a\u0435 \u0438\u0437\u043e\u0431\u0440\u0430\u0436\u0435\u043d\u044b \u0434\u0432\u0435 \u043a\u043e\u0448\u043a\u0438. ",
        "\u062a\u0638\u0647\u0631 \u0641\u064a \u0627\u0644\u0635\u0648\u0631\u0629 \u0642\u0637\u062a\u0627\u0646 \u0635\u063a\u064a\u0631\u062a\u0627\u0646. ",
        "def forward(self, x):\n    return self.proj(torch.relu(x)) + x\n",
        "for (int i = 0; i < n; ++i) { acc += w[i] * x[i]; }\n",
        "See https://example.com/docs?id=42&lang=en for details.\n",
        "\U0001F600 \U0001F44D\U0001F3FD \U0001F468\u200D\U0001F4BB \U0001F1EF\U0001F1F5 ",
        "Ti\u1ebfng Vi\u1ec7t v\u00e0 caf\u00e9 cr\u00e8me br\u00fbl\u00e9e. ",
        "\n\n", "    ", "\t",
    };
    std::mt19937 rng(1234);
    std::string t;
    while (t.size() < (1u << 20)) t += sentences[rng() % sentences.size()];
    return t;
  }();
  return text;
}

const vlsi::text::Tokenizer* tokenizer_or_skip(benchmark::State& state) {
  static std::unique_ptr<vlsi::text::Tokenizer> tok;
  static std::string error;
  if (!tok && error.empty()) {
    std::string p = tokenizer_path();
    if (p.empty() || !exists(p)) error = "Qwen tokenizer.json not found: run scripts/test-deps.sh or set VLSI_TOKENIZER";
    else tok = std::make_unique<vlsi::text::Tokenizer>(vlsi::text::Tokenizer::from_file(p));
  }
  if (!tok) state.SkipWithError(error.c_str());
  return tok.get();
}

void BM_Encode(benchmark::State& state) {
  const auto* tok = tokenizer_or_skip(state);
  if (!tok) return;
  const std::string& text = bench_text();
  size_t n = 0;
  for (auto _ : state) {
    auto ids = tok->encode(text);
    n = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(n);
}
BENCHMARK(BM_Encode)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Line by line, as a data loader calls it.
void BM_EncodeLines(benchmark::State& state) {
  const auto* tok = tokenizer_or_skip(state);
  if (!tok) return;
  std::vector<std::string> lines;
  const std::string& text = bench_text();
  for (size_t s = 0; s < text.size();) {
    size_t e = std::min(text.size(), text.find('\n', s) == std::string::npos ? text.size() : text.find('\n', s) + 1);
    lines.push_back(text.substr(s, e - s));
    s = e;
  }
  for (auto _ : state)
    for (const auto& l : lines) benchmark::DoNotOptimize(tok->encode(l).data());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_EncodeLines)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_Decode(benchmark::State& state) {
  const auto* tok = tokenizer_or_skip(state);
  if (!tok) return;
  auto ids = tok->encode(bench_text());
  for (auto _ : state) benchmark::DoNotOptimize(tok->decode(ids).data());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bench_text().size()));
}
BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond);

// The reference (`tokenizers`) on the same text, timed inside Python after a
// warm-up pass, load time excluded.
void BM_ReferenceEncode(benchmark::State& state) {
  std::string src = source_dir(), tok = tokenizer_path(), python = python_path();
  std::string script = src + "/tests/text/ref_encode.py";
  if (src.empty() || !exists(script) || !exists(tok) ||
      std::system(("'" + python + "' -c 'import tokenizers' > /dev/null 2>&1").c_str()) != 0) {
    state.SkipWithError("the reference interpreter (VLSI_PYTHON or .venv/bin/python with tokenizers) is missing");
    return;
  }
  std::string text_path = "/tmp/vlsi_tokenizer_bench_text.txt";
  std::ofstream(text_path, std::ios::binary) << bench_text();
  const int repeats = 3;
  std::string cmd = "'" + python + "' '" + script + "' bench '" + tok + "' '" + text_path + "' " + std::to_string(repeats);
  for (auto _ : state) {
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[512];
    while (p && fgets(buf, sizeof(buf), p)) out += buf;
    if (!p || pclose(p) != 0) {
      state.SkipWithError("reference benchmark failed");
      return;
    }
    auto j = nlohmann::json::parse(out);
    state.SetIterationTime(j["seconds"].get<double>() / repeats);
    state.counters["tokens"] = j["tokens"].get<double>() / repeats;
  }
  std::remove(text_path.c_str());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bench_text().size()));
}
BENCHMARK(BM_ReferenceEncode)->UseManualTime()->Iterations(2)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
