// vlsi distill: the whole VLsI recipe (verbalize teacher and student, interact,
// reinforce, merge) in one resumable run folder (distill/recipe.h).
#include <cstdio>
#include <memory>

#include "vlsi/dist/process_group.h"
#include "vlsi/cli/commands.h"
#include "vlsi/distill/recipe.h"
#include "vlsi/io/json_util.h"

namespace vlsi::cli {

namespace {
struct DistillArgs {
  std::string config, out;
  std::vector<std::string> overrides;
  bool resume = false, force = false, print_config = false, print_stages = false;
};
}  // namespace

void register_distill_command(CLI::App& app) {
  auto a = std::make_shared<DistillArgs>();
  auto* cmd = app.add_subcommand("distill", "The VLsI recipe: teacher -> student, one resumable run folder");
  cmd->add_option("--config", a->config, "recipe (JSON); see configs/distill/ and docs/distill.md");
  cmd->add_option("--set", a->overrides, "override a field, e.g. --set stages.interact.trainer.lr=3e-4 (repeatable)");
  cmd->add_option("--out", a->out, "run folder (overrides the config's 'out')");
  cmd->add_flag("--resume", a->resume, "continue a stage from its newest checkpoint (finished stages are skipped)");
  cmd->add_flag("--force", a->force, "with --resume: continue even though the recipe differs from the run's config.json");
  cmd->add_flag("--print-config", a->print_config, "print the resolved recipe and exit");
  cmd->add_flag("--print-stages", a->print_stages, "print the resolved config of every stage and exit");
  cmd->callback([a] {
    io::json content = a->config.empty() ? io::json::object() : io::read_json_file(a->config);
    auto overrides = a->overrides;
    if (!a->out.empty()) overrides.push_back("out=" + io::json(a->out).dump());
    io::json cfg = distill::resolve_distill_config(content, overrides, a->config.empty() ? "distill config" : a->config);
    if (a->print_config || a->print_stages) {
      std::printf("%s\n", (a->print_stages ? distill::distill_stage_configs(cfg) : cfg).dump(2).c_str());
      return;
    }
    io::json summary = distill::run_distill(cfg, a->resume, a->force);
    if (dist::ProcessGroup::current().is_main()) std::printf("%s\n", summary.dump(2).c_str());  // once per job
  });
}

}  // namespace vlsi::cli
