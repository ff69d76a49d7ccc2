// vlsi demo: the main job (benchmark -> tokenizer -> teacher & student SFT -> evaluation table).
#include <memory>

#include "vlsi/cli/commands.h"
#include "vlsi/cli/demo_recipe.h"

namespace vlsi::cli {

namespace {
struct DemoArgs {
  std::string config = "configs/demo.json", out;
  std::vector<std::string> overrides;
};
}  // namespace

void register_demo_command(CLI::App& app) {
  auto a = std::make_shared<DemoArgs>();
  auto* cmd = app.add_subcommand("demo", "Run the main job: benchmark, tokenizer, teacher and student training, evaluation table");
  cmd->add_option("--config", a->config, "demo config (JSON)")->capture_default_str();
  cmd->add_option("--out", a->out, "run folder (overrides the config's 'out'; default runs/demo)");
  cmd->add_option("--set", a->overrides, "override a config field, e.g. --set data.train=2000 (repeatable)");
  cmd->callback([a] { run_demo(a->config, a->overrides, a->out); });
}

}  // namespace vlsi::cli
