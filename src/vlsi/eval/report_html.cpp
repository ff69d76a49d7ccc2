#include "vlsi/eval/report_html.h"

#include <sstream>

#include "vlsi/data/image.h"
#include "vlsi/eval/report_charts.h"
#include "vlsi/eval/report_markup.h"
#include "vlsi/eval/report_samples.h"
#include "vlsi/eval/report_tables.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"

namespace vlsi::eval {

namespace {

const char* kStyle = R"(
body{font-family:sans-serif;margin:16px auto;padding:0 8px;max-width:1240px;color:#222;background:#fff}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}
h3{font-size:15px;margin-top:20px}h4{font-size:14px}
nav a{margin-right:14px}
.charts,.heatmaps,.side{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}
svg{border:1px solid #e4e4e4}
table{border-collapse:collapse;margin:8px 0 14px;font-size:13px}
caption{text-align:left;font-weight:bold;padding:4px 0}
th,td{border:1px solid #ccc;padding:3px 8px;vertical-align:top;text-align:left}
th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#666;font-size:13px}.sample{border-left:3px solid #1f77b4;padding-left:10px;margin:12px 0}
details{margin:6px 0}summary{cursor:pointer;color:#1f4f8f}
)";

std::string stage_title(const std::string& name) { return name == "." ? "run folder" : name; }

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void curves_section(const ReportData& data, std::ostringstream& o, ReportOutcome* outcome) {
  o << "<h2 id=\"curves\">Training curves</h2>\n";
  if (data.stages.empty()) o << "<p class=\"note\">No metrics.jsonl found.</p>\n";
  for (const StageMetrics& stage : data.stages) {
    o << "<h3 id=\"stage-" << slug(stage.name) << "\">" << html_escape(stage_title(stage.name)) << "</h3>\n";
    o << "<p class=\"note\">" << html_escape(stage.path) << ": " << stage.lines << " lines";
    if (!stage.matches.empty()) o << ", " << stage.matches.size() << " matched-layer events";
    o << "</p>\n<div class=\"charts\">\n";
    for (LineChart& chart : stage_line_charts(stage)) {
      chart.title = chart.title.substr(chart.title.find(": ") + 2);  // the stage heading already names it
      o << render_line_chart_svg(chart) << "\n";
      ++outcome->charts;
    }
    o << "</div>\n";
  }
}

void matching_section(const ReportData& data, const std::string& png_prefix, std::ostringstream& o,
                      ReportOutcome* outcome, std::vector<std::pair<HeatmapFile, data::Image>>* images) {
  o << "<h2 id=\"matching\">Matched layers (interaction step)</h2>\n";
  bool any = false;
  for (const StageMetrics& stage : data.stages) {
    StageHeatmaps maps;
    if (!stage_match_heatmaps(stage, &maps)) continue;
    any = true;
    o << "<h3>" << html_escape(stage_title(stage.name)) << "</h3>\n";
    if (!maps.note.empty()) o << "<p class=\"note\">" << html_escape(maps.note) << "</p>\n";
    else o << "<p class=\"note\">target layers from " << html_escape(stage.layers_source) << "</p>\n";
    o << "<div class=\"heatmaps\">\n";
    const std::pair<const char*, const MatchHeatmap*> windows[] = {{"start", &maps.start}, {"end", &maps.end}};
    for (auto [window, map] : windows) {
      HeatmapFile file{stage.name, window, png_prefix + "-" + slug(stage.name) + "-match-" + window + ".png"};
      o << "<figure>" << render_heatmap_svg(*map) << "<figcaption><a href=\"" << html_escape(base_name(file.path))
        << "\">" << html_escape(base_name(file.path)) << "</a></figcaption></figure>\n";
      images->push_back({file, render_heatmap_image(*map)});
      outcome->heatmaps.push_back(file);
    }
    o << "</div>\n";
  }
  if (!any)
    o << "<p class=\"note\">No stage logged matched-layer events (\"events\": [{\"matched\": [...]}] in "
         "metrics.jsonl).</p>\n";
}

void results_section(const ReportData& data, std::ostringstream& o, ReportOutcome* outcome) {
  o << "<h2 id=\"results\">Results</h2>\n";
  HtmlTable comparison = results_comparison_table(data.results);
  if (!comparison.rows.empty()) {
    o << render_table(comparison);
    ++outcome->tables;
  }
  for (const JsonDocument& d : data.results) {
    o << "<details><summary>" << html_escape(d.relative_path) << "</summary>\n"
      << render_json_tables(d.value, d.relative_path) << "</details>\n";
    ++outcome->tables;
  }
  for (const JsonDocument& d : data.summaries) {
    o << "<h3>" << html_escape(d.relative_path) << "</h3>\n" << render_json_tables(d.value, "");
    ++outcome->tables;
  }
  if (data.results.empty() && data.summaries.empty())
    o << "<p class=\"note\">No summary.json or results.json found.</p>\n";
}

void ablation_section(const ReportData& data, std::ostringstream& o, ReportOutcome* outcome) {
  o << "<h2 id=\"ablation\">Ablation</h2>\n";
  for (const JsonDocument& d : data.ablations) {
    o << "<h3>" << html_escape(d.relative_path) << "</h3>\n" << render_json_tables(d.value, "");
    ++outcome->tables;
  }
  for (const TextDocument& d : data.markdown) {
    o << "<h3>" << html_escape(d.relative_path) << "</h3>\n" << render_markdown(d.text);
    ++outcome->tables;
  }
  if (data.ablations.empty() && data.markdown.empty())
    o << "<p class=\"note\">No ablation.json or results.md found.</p>\n";
}

void verbalized_section(const ReportData& data, size_t max_samples, std::ostringstream& o) {
  o << "<h2 id=\"verbalized\">Verbalized outputs</h2>\n";
  for (const JsonDocument& d : data.verbalized)
    o << "<h3>" << html_escape(d.relative_path) << "</h3>\n"
      << render_verbalized_samples(d.value, d.relative_path, max_samples);
  if (data.verbalized.empty())
    o << "<p class=\"note\">No verbalized.jsonl found (write one with <code>vlsi verbalize --json</code>).</p>\n";
}

std::string render_page(const ReportData& data, const std::string& png_prefix, size_t max_samples,
                        ReportOutcome* outcome, std::vector<std::pair<HeatmapFile, data::Image>>* images) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>vlsi report: "
    << html_escape(data.run_dir) << "</title>\n<style>" << kStyle << "</style></head>\n<body>\n";
  o << "<h1>vlsi report: " << html_escape(data.run_dir) << "</h1>\n";
  o << "<nav><a href=\"#curves\">training curves</a><a href=\"#matching\">matched layers</a>"
    << "<a href=\"#results\">results</a><a href=\"#ablation\">ablation</a><a href=\"#verbalized\">verbalized</a></nav>\n";
  outcome->stages = data.stages.size();
  curves_section(data, o, outcome);
  matching_section(data, png_prefix, o, outcome, images);
  results_section(data, o, outcome);
  ablation_section(data, o, outcome);
  verbalized_section(data, max_samples, o);
  o << "</body></html>\n";
  return o.str();
}

}  // namespace

std::string render_report_html(const ReportData& data, const std::string& png_prefix, size_t max_samples,
                               ReportOutcome* outcome) {
  std::vector<std::pair<HeatmapFile, data::Image>> images;
  return render_page(data, png_prefix, max_samples, outcome, &images);
}

ReportOutcome write_report(const ReportOptions& options) {
  ReportData data = scan_run_dir(options.run_dir, options.max_depth);
  ReportOutcome outcome;
  outcome.html_path = options.out_path.empty() ? io::join_path(options.run_dir, "report.html") : options.out_path;
  std::string prefix = outcome.html_path;
  if (auto dot = prefix.rfind('.'); dot != std::string::npos && dot > prefix.rfind('/') + 1) prefix.erase(dot);
  std::vector<std::pair<HeatmapFile, data::Image>> images;
  std::string html = render_page(data, prefix, options.max_samples, &outcome, &images);
  io::write_file_atomic(outcome.html_path, html);
  for (auto& [file, image] : images) data::write_png(file.path, image);
  return outcome;
}

}  // namespace vlsi::eval
