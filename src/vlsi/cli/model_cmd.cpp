// vlsi model init|info: create a freshly initialised model folder, describe one.
#include <chrono>
#include <cstdio>
#include <memory>

#include "vlsi/cli/commands.h"
#include "vlsi/model/init.h"
#include "vlsi/model/model_io.h"
#include "vlsi/model/registry.h"
#include "vlsi/text/tokenizer.h"
#include "vlsi/train/model_setup.h"

namespace vlsi::cli {

namespace {

struct InitArgs {
  std::string config, tokenizer, out, dtype;
  uint64_t seed = 0;
  uint64_t max_shard_bytes = 5'000'000'000;  // transformers' default max_shard_size "5GB"
};

void print_info(const std::string& folder) {
  auto m = model::load_model(folder);
  const auto& c = m->config();
  std::printf("model folder      %s\n", folder.c_str());
  std::printf("architecture      %s (%s)\n", c.architectures.empty() ? "?" : c.architectures[0].c_str(),
              c.model_type.c_str());
  std::printf("text              %lld layers, hidden %lld, heads %lld/%lld kv, mlp %lld, vocab %lld\n",
              (long long)c.text_config.num_hidden_layers, (long long)c.text_config.hidden_size,
              (long long)c.text_config.num_attention_heads, (long long)c.text_config.num_key_value_heads,
              (long long)c.text_config.intermediate_size, (long long)c.text_config.vocab_size);
  for (const auto& line : model::model_family(c.model_type, folder).describe(c)) std::printf("%s\n", line.c_str());
  for (auto part : model::all_parts())
    std::printf("params %-10s %lld\n", model::part_name(part), (long long)m->parameter_count(part));
  std::printf("params total      %lld\n", (long long)m->parameter_count());
}

}  // namespace

void register_model_commands(CLI::App& app) {
  auto* cmd = app.add_subcommand("model", "Create and inspect model folders (Hugging Face layout)");
  cmd->require_subcommand(1);

  auto args = std::make_shared<InitArgs>();
  auto* init = cmd->add_subcommand("init", "Create a freshly initialised model from a config and a tokenizer");
  init->add_option("--config", args->config, "HF-style config.json (vocab size and image token come from the tokenizer)")
      ->required();
  init->add_option("--tokenizer", args->tokenizer, "tokenizer.json the model will use")->required();
  init->add_option("--out", args->out, "model folder to write")->required();
  init->add_option("--seed", args->seed, "initialisation seed")->capture_default_str();
  init->add_option("--dtype", args->dtype,
                   "float32, bfloat16 or float16: the weights are made and stored in it (no float32 copy); "
                   "default: the config's dtype / torch_dtype, else float32");
  init->add_option("--max-shard-bytes", args->max_shard_bytes,
                   "largest model-0000K-of-0000N.safetensors shard (0: one file)")
      ->capture_default_str();
  init->callback([args] {
    const auto start = std::chrono::steady_clock::now();
    auto tok = text::Tokenizer::from_file(args->tokenizer);
    auto cfg = train::config_for_tokenizer(args->config, tok);
    const std::string dtype_name =
        !args->dtype.empty() ? args->dtype : cfg.torch_dtype.empty() ? std::string("float32") : cfg.torch_dtype;
    const torch::ScalarType dtype = model::dtype_from_name(dtype_name);
    check(dtype != torch::kDouble, "model init: option --dtype: float64 weights are not supported");
    std::fprintf(stderr, "model init: building %s in %s...\n", args->config.c_str(), dtype_name.c_str());
    model::CausalVlm m{nullptr};
    try {
      m = model::create_model(cfg, args->seed, dtype);
    } catch (const Error& e) {  // out of memory: name the config that asked for it
      fail(args->config, ": ", e.what());
    }
    model::SaveOptions so;
    so.tokenizer_json = args->tokenizer;
    so.max_shard_bytes = args->max_shard_bytes;
    std::fprintf(stderr, "model init: writing %lld parameters (%.2f GB)...\n", (long long)m->parameter_count(),
                 double(m->parameter_count()) * double(c10::elementSize(dtype)) / 1e9);
    model::save_model(m, args->out, so);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "model init: %lld parameters, %s, seed %llu -> %s (%.1f s)\n",
                 (long long)m->parameter_count(), dtype_name.c_str(), (unsigned long long)args->seed,
                 args->out.c_str(), secs);
  });

  auto folder = std::make_shared<std::string>();
  auto* info = cmd->add_subcommand("info", "Print a model folder's architecture and parameter counts");
  info->add_option("folder", *folder, "model folder")->required();
  info->callback([folder] { print_info(*folder); });
}

}  // namespace vlsi::cli
