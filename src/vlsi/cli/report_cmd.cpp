// vlsi report: one self-contained HTML page (curves, matched-layer heatmaps,
// results, ablation, verbalized samples) for any run folder.
#include <cstdio>
#include <memory>

#include "vlsi/cli/commands.h"
#include "vlsi/eval/report_html.h"

namespace vlsi::cli {

void register_report_command(CLI::App& app) {
  auto opts = std::make_shared<eval::ReportOptions>();
  auto* cmd = app.add_subcommand("report", "Write an HTML report (curves, matched-layer heatmaps, results) of a run folder");
  cmd->add_option("run_dir", opts->run_dir, "run folder (searched recursively for metrics.jsonl and result files)")
      ->required();
  cmd->add_option("--out", opts->out_path, "HTML file to write (default: RUN_DIR/report.html)");
  cmd->add_option("--depth", opts->max_depth, "how many folder levels to search")->capture_default_str();
  cmd->add_option("--samples", opts->max_samples, "verbalized samples shown per file")->capture_default_str();
  cmd->callback([opts] {
    eval::ReportOutcome r = eval::write_report(*opts);
    std::printf("report: %zu stages, %zu charts, %zu heatmaps, %zu tables\n", r.stages, r.charts, r.heatmaps.size(),
                r.tables);
    for (const auto& h : r.heatmaps) std::printf("wrote %s\n", h.path.c_str());
    std::printf("wrote %s\n", r.html_path.c_str());
  });
}

}  // namespace vlsi::cli
