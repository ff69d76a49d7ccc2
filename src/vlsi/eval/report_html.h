#pragma once
// `vlsi report`: one self-contained HTML page for a run folder (inline CSS and
// SVG, no script, nothing fetched), plus each matched-layer heatmap as a PNG
// beside it. Sections: training curves per stage, matched-layer heatmaps,
// results (eval results, summaries), ablation, verbalized samples.
#include <cstddef>
#include <string>
#include <vector>

#include "vlsi/eval/report_data.h"

namespace vlsi::eval {

struct ReportOptions {
  std::string run_dir;
  std::string out_path;  // default: RUN_DIR/report.html
  int max_depth = 5;     // how deep the run folder is searched
  size_t max_samples = 8;  // verbalized samples shown per file
};

struct HeatmapFile {
  std::string stage;
  std::string window;  // "start" or "end"
  std::string path;    // the PNG
};

struct ReportOutcome {
  std::string html_path;
  std::vector<HeatmapFile> heatmaps;
  size_t stages = 0, charts = 0, tables = 0;
};

// The page for already-scanned data, without writing anything; heatmap PNGs
// are linked as PNG_PREFIX-<stage>-match-{start,end}.png and listed in `outcome`.
std::string render_report_html(const ReportData& data, const std::string& png_prefix, size_t max_samples,
                               ReportOutcome* outcome);

// Scans, renders, writes the HTML atomically and the heatmap PNGs.
ReportOutcome write_report(const ReportOptions& options);

}  // namespace vlsi::eval
