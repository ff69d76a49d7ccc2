// vlsi train sft|verbalize|interact|kd|reinforce: one config-driven run each,
// from a JSON config plus --set overrides (the same flags for every step).
#include <cstdio>
#include <functional>
#include <memory>

#include "vlsi/cli/commands.h"
#include "vlsi/dist/process_group.h"
#include "vlsi/distill/step_config.h"
#include "vlsi/distill/step_run.h"
#include "vlsi/io/json_util.h"
#include "vlsi/train/sft_run.h"

namespace vlsi::cli {

namespace {
struct RunArgs {
  std::string config, out;
  std::vector<std::string> overrides;
  bool resume = false, force = false, print_config = false;
};

using Resolve = std::function<io::json(const io::json& content, const std::vector<std::string>& overrides,
                                       const std::string& where)>;
using Run = std::function<io::json(const io::json& config, bool resume, bool force)>;

// --config/--set/--out/--resume/--print-config, then resolve and run.
void add_run_command(CLI::App* parent, const std::string& name, const std::string& help, const std::string& example,
                     Resolve resolve, Run run) {
  auto a = std::make_shared<RunArgs>();
  auto* cmd = parent->add_subcommand(name, help);
  cmd->add_option("--config", a->config, "run config (JSON); every field is optional, see " + example);
  cmd->add_option("--set", a->overrides, "override a config field, e.g. --set trainer.lr=3e-4 (repeatable)");
  cmd->add_option("--out", a->out, "run folder (overrides the config's 'out')");
  cmd->add_flag("--resume", a->resume, "continue from the newest usable checkpoint in the run folder");
  cmd->add_flag("--force", a->force, "with --resume: continue even though the config differs from the run's config.json");
  cmd->add_flag("--print-config", a->print_config, "print the resolved config and exit");
  cmd->callback([a, name, resolve, run] {
    io::json content = a->config.empty() ? io::json::object() : io::read_json_file(a->config);
    auto overrides = a->overrides;
    if (!a->out.empty()) overrides.push_back("out=" + io::json(a->out).dump());
    io::json cfg = resolve(content, overrides, a->config.empty() ? name + " config" : a->config);
    if (a->print_config) {
      std::printf("%s\n", cfg.dump(2).c_str());
      return;
    }
    io::json summary = run(cfg, a->resume, a->force);
    if (dist::ProcessGroup::current().is_main()) std::printf("%s\n", summary.dump(2).c_str());  // once per job
  });
}

void add_step_command(CLI::App* parent, const std::string& step, const std::string& help) {
  add_run_command(
      parent, step, help, "docs/distill.md",
      [step](const io::json& c, const std::vector<std::string>& o, const std::string& w) {
        return distill::resolve_step_config(step, c, o, w);
      },
      [step](const io::json& cfg, bool resume, bool force) { return distill::run_step(step, cfg, resume, force); });
}
}  // namespace

void register_train_commands(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a model: sft, or one VLsI step (the whole recipe: vlsi distill)");
  cmd->require_subcommand(1);
  add_run_command(cmd, "sft", "Supervised fine-tuning on assistant answers (LLaVA-format data)",
                  "configs/sft-example.json", train::resolve_sft_config,
                  [](const io::json& cfg, bool resume, bool force) { return train::run_sft(cfg, resume, force); });
  add_step_command(cmd, "verbalize", "VLsI step 1: train the verb-FFNs of one model (backbone frozen)");
  add_step_command(cmd, "interact", "VLsI step 2: layer-matched KL from teacher to student verbalizers (LoRA)");
  add_step_command(cmd, "reinforce", "VLsI step 3: supervised fine-tuning of the student (LoRA by default)");
  add_step_command(cmd, "kd", "Baseline: last-layer knowledge distillation (forward KL + CE)");
}

}  // namespace vlsi::cli
