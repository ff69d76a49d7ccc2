#pragma once
// What the report plots for one training stage: which metric keys share a
// chart, and the start/end matched-layer heatmaps of an interaction stage.
#include <string>
#include <vector>

#include "vlsi/eval/report_data.h"
#include "vlsi/eval/report_heatmap.h"
#include "vlsi/eval/report_svg_chart.h"

namespace vlsi::eval {

// Charts, in order: "loss" (train "loss" and every other non-layer key ending
// in "loss" or starting with "loss_", validation points as their own series), one chart per family of
// per-layer keys "<prefix>_layer_<L>" (one line per layer; "ce_layer_<L>" are
// the verbalization losses), then one chart per remaining key (lr, tokens_per_s, ...).
std::vector<LineChart> stage_line_charts(const StageMetrics& stage);

struct StageHeatmaps {
  MatchHeatmap start;  // first 10% of the steps with events
  MatchHeatmap end;    // last 10%
  std::string note;    // why labels fell back to indices, if they did
};

// False when the stage logged no matched-layer events.
bool stage_match_heatmaps(const StageMetrics& stage, StageHeatmaps* out);

}  // namespace vlsi::eval
