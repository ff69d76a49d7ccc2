#include "vlsi/eval/report_charts.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "vlsi/io/string_util.h"

namespace vlsi::eval {

namespace {

using io::ends_with;

// "ce_layer_12" -> prefix "ce", layer 12.
bool split_layer_key(const std::string& key, std::string* prefix, long* layer) {
  const std::string marker = "_layer_";
  auto pos = key.rfind(marker);
  if (pos == std::string::npos || pos == 0) return false;
  std::string digits = key.substr(pos + marker.size());
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return false;
  *prefix = key.substr(0, pos);
  *layer = std::stol(digits);
  return true;
}

const std::vector<CurvePoint>* find_curve(const std::map<std::string, std::vector<CurvePoint>>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() || it->second.empty() ? nullptr : &it->second;
}

// Train series solid; validation dashed with markers (few points, usually).
void add_key_series(LineChart* chart, const StageMetrics& stage, const std::string& key, const std::string& label) {
  if (auto* t = find_curve(stage.train, key)) chart->series.push_back({"train " + label, *t, t->size() <= 1, false});
  if (auto* v = find_curve(stage.val, key)) chart->series.push_back({"val " + label, *v, v->size() <= 200, true});
}

}  // namespace

std::vector<LineChart> stage_line_charts(const StageMetrics& stage) {
  std::set<std::string> keys;
  for (auto& [k, v] : stage.train) keys.insert(k);
  for (auto& [k, v] : stage.val) keys.insert(k);

  std::map<std::string, std::map<long, std::string>> families;  // prefix -> layer -> key
  std::vector<std::string> losses, others;
  for (const std::string& k : keys) {
    std::string prefix;
    long layer = 0;
    if (split_layer_key(k, &prefix, &layer)) families[prefix][layer] = k;
    else if (k == "loss") losses.insert(losses.begin(), k);
    else if (ends_with(k, "loss") || k.rfind("loss_", 0) == 0) losses.push_back(k);  // val_loss, loss_last, ...
    else others.push_back(k);
  }
  // The usual trainer keys first, in a fixed order; the rest alphabetically.
  const std::vector<std::string> preferred = {"lr", "tokens_per_s", "grad_norm"};
  std::stable_sort(others.begin(), others.end(), [&](const std::string& a, const std::string& b) {
    auto ra = std::find(preferred.begin(), preferred.end(), a) - preferred.begin();
    auto rb = std::find(preferred.begin(), preferred.end(), b) - preferred.begin();
    return ra < rb;
  });

  std::vector<LineChart> charts;
  if (!losses.empty()) {
    LineChart c;
    c.title = stage.name + ": loss";
    c.y_label = "loss";
    for (auto& k : losses) add_key_series(&c, stage, k, k);
    charts.push_back(std::move(c));
  }
  for (auto& [prefix, layers] : families) {
    LineChart c;
    c.title = stage.name + ": " + prefix + " per layer" + (prefix == "ce" ? " (verbalization loss)" : "");
    c.y_label = prefix;
    c.sequential_colors = true;
    for (auto& [layer, key] : layers) {
      if (auto* t = find_curve(stage.train, key)) c.series.push_back({"layer " + std::to_string(layer), *t, t->size() <= 1, false});
      if (auto* v = find_curve(stage.val, key))
        c.series.push_back({"val layer " + std::to_string(layer), *v, v->size() <= 200, true});
    }
    charts.push_back(std::move(c));
  }
  for (auto& k : others) {
    LineChart c;
    c.title = stage.name + ": " + k;
    c.y_label = k;
    add_key_series(&c, stage, k, k);
    charts.push_back(std::move(c));
  }
  return charts;
}

bool stage_match_heatmaps(const StageMetrics& stage, StageHeatmaps* out) {
  if (stage.matches.empty()) return false;
  int64_t width = 0, max_index = -1;
  for (const MatchEvent& e : stage.matches) {
    width = std::max<int64_t>(width, int64_t(e.matched.size()));
    for (int64_t j : e.matched) max_index = std::max(max_index, j);
  }
  int64_t rows = stage.student_layers.empty() ? width : int64_t(stage.student_layers.size());
  int64_t cols = stage.teacher_layers.empty() ? max_index + 1 : int64_t(stage.teacher_layers.size());
  out->note.clear();
  if (stage.student_layers.empty() || stage.teacher_layers.empty()) {
    out->note = "target-layer lists not recorded in the stage folder (interact.json or config.json "
                "student_target_layers/teacher_target_layers): rows and columns are list indices";
  }
  if (width > rows || max_index >= cols) {
    out->note = "the matched indices do not fit the recorded target-layer lists (" + stage.layers_source +
                "): rows and columns are list indices";
    rows = std::max(rows, width);
    cols = std::max(cols, max_index + 1);
  }
  if (rows <= 0 || cols <= 0) return false;
  const auto row_labels = layer_labels(stage.student_layers, rows);
  const auto col_labels = layer_labels(stage.teacher_layers, cols);
  out->start = match_heatmap(stage.matches, rows, cols, 0.0, 0.1);
  out->end = match_heatmap(stage.matches, rows, cols, 0.9, 1.0);
  for (MatchHeatmap* m : {&out->start, &out->end}) {
    m->row_labels = row_labels;
    m->col_labels = col_labels;
  }
  out->start.title = "start: first 10% of steps";
  out->end.title = "end: last 10% of steps";
  return true;
}

}  // namespace vlsi::eval
