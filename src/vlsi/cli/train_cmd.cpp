// vlsi train sft: supervised fine-tuning from a JSON config plus --set overrides.
#include <cstdio>
#include <memory>

#include "vlsi/cli/commands.h"
#include "vlsi/io/json_util.h"
#include "vlsi/train/sft_run.h"

namespace vlsi::cli {

namespace {
struct SftArgs {
  std::string config, out;
  std::vector<std::string> overrides;
  bool resume = false, print_config = false;
};
}  // namespace

void register_train_commands(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a model (sft; the VLsI steps come with vlsi distill)");
  cmd->require_subcommand(1);

  auto a = std::make_shared<SftArgs>();
  auto* sft = cmd->add_subcommand("sft", "Supervised fine-tuning on assistant answers (LLaVA-format data)");
  sft->add_option("--config", a->config, "run config (JSON); every field is optional, see configs/sft-example.json");
  sft->add_option("--set", a->overrides, "override a config field, e.g. --set trainer.lr=3e-4 (repeatable)");
  sft->add_option("--out", a->out, "run folder (overrides the config's 'out')");
  sft->add_flag("--resume", a->resume, "continue from the newest checkpoint in the run folder");
  sft->add_flag("--print-config", a->print_config, "print the resolved config and exit");
  sft->callback([a] {
    io::json content = a->config.empty() ? io::json::object() : io::read_json_file(a->config);
    auto overrides = a->overrides;
    if (!a->out.empty()) overrides.push_back("out=" + io::json(a->out).dump());
    io::json cfg = train::resolve_sft_config(content, overrides, a->config.empty() ? "sft config" : a->config);
    if (a->print_config) {
      std::printf("%s\n", cfg.dump(2).c_str());
      return;
    }
    io::json summary = train::run_sft(cfg, a->resume);
    std::printf("%s\n", summary.dump(2).c_str());
  });
}

}  // namespace vlsi::cli
