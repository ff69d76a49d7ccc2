// vlsi ablate: a grid of VLsI recipe variants over several seeds, evaluated and
// tabulated (distill/ablation_plan.h, ablation_run.h, ablation_report.h).
#include <cctype>
#include <cstdio>
#include <memory>

#include "vlsi/cli/commands.h"
#include "vlsi/distill/ablation_plan.h"
#include "vlsi/distill/ablation_run.h"
#include "vlsi/eval/eval_run.h"
#include "vlsi/io/json_util.h"

namespace vlsi::cli {

namespace {
struct AblateArgs {
  std::string config, out;
  int64_t seeds = 0;  // 0 = the config's
  std::vector<std::string> overrides, grids;
  bool resume = false, dry_run = false;
};

// A word as a POSIX shell reads it back (single quotes unless it is plain).
std::string shell_word(const std::string& w) {
  bool plain = !w.empty();
  for (char c : w)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || std::string("-_./=,:+").find(c) != std::string::npos);
  if (plain) return w;
  std::string q = "'";
  for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The command as typed (canonical flag order), for the top of results.md.
std::string command_line(const AblateArgs& a) {
  std::string c = "vlsi ablate";
  if (!a.config.empty()) c += " --config " + shell_word(a.config);
  if (a.seeds > 0) c += " --seeds " + std::to_string(a.seeds);
  for (auto& s : a.overrides) c += " --set " + shell_word(s);
  if (!a.out.empty()) c += " --out " + shell_word(a.out);
  if (!a.grids.empty()) {
    std::string g;
    for (auto& n : a.grids) g += (g.empty() ? "" : ",") + n;
    c += " --grid " + shell_word(g);
  }
  return c;
}

io::json evaluate(const std::string& model_dir, const io::json& e, const std::string& device, const std::string& out) {
  eval::EvalRunSpec spec;
  spec.model_dir = model_dir;
  spec.data = e["data"];
  spec.split = e["split"];
  spec.images = e["images"];
  spec.out_dir = out;
  spec.device = device;
  spec.threads = e["threads"];
  spec.options.batch_size = e["batch_size"];
  spec.options.max_new_tokens = e["max_new_tokens"];
  spec.options.num_beams = e["beams"];
  spec.options.limit = e["limit"];
  return eval::run_eval(spec);
}
}  // namespace

void register_ablate_command(CLI::App& app) {
  auto a = std::make_shared<AblateArgs>();
  auto* cmd = app.add_subcommand("ablate", "Ablation grid of VLsI recipe variants over seeds: mean ± std tables");
  cmd->add_option("--config", a->config, "ablation config (JSON): recipe, eval, grids; see configs/ablate/demo.json")
      ->required();
  cmd->add_option("--seeds", a->seeds, "seeds 0..N-1 per setting (default: the config's 'seeds')");
  cmd->add_option("--set", a->overrides,
                  "override a field of the ablation config, e.g. --set recipe.stages.interact.trainer.max_steps=50 "
                  "or eval.limit=64 (repeatable)");
  cmd->add_option("--out", a->out, "output folder (overrides the config's 'out')");
  cmd->add_option("--grid", a->grids, "run only these grids (comma-separated names)")->delimiter(',');
  cmd->add_flag("--resume", a->resume, "continue runs killed mid-training (finished ones are always skipped)");
  cmd->add_flag("--dry-run", a->dry_run, "print every setting, its overrides and its run folder; run nothing");
  cmd->callback([a] {
    io::json content = io::read_json_file(a->config);
    auto overrides = a->overrides;
    if (!a->out.empty()) overrides.push_back("out=" + io::json(a->out).dump());
    if (a->seeds > 0) overrides.push_back("seeds=" + std::to_string(a->seeds));
    io::json cfg = distill::resolve_ablation_config(content, overrides, a->config);
    auto plan = distill::plan_ablation(cfg, a->grids);
    if (a->dry_run) {
      std::printf("%s", distill::describe_ablation_plan(plan).c_str());
      return;
    }
    distill::AblationRunOptions options;
    options.resume = a->resume;
    options.command_line = command_line(*a);
    options.evaluate = evaluate;
    distill::run_ablation(plan, options);
    std::printf("%s/results.md\n", plan.out.c_str());
  });
}

}  // namespace vlsi::cli
