#pragma once
// What `vlsi report` reads from a run folder: every training stage's
// metrics.jsonl (curves and matched-layer events), the stage's target-layer
// lists, and the result files (summary.json, results.json, ablation.json,
// results.md, verbalized.jsonl). The folder layout is not assumed: the run
// folder is walked (depth-limited) and each file is named by its relative path.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vlsi::eval {

struct CurvePoint {
  double step = 0;
  double value = 0;
};

// One interaction micro-batch: per student target, the index into the
// teacher's target list it was matched to (-1 = unused).
struct MatchEvent {
  int64_t step = 0;
  std::vector<int64_t> matched;
};

struct StageMetrics {
  std::string name;  // folder relative to the run folder ("teacher", "distill/interact"; "." for the root)
  std::string path;  // the metrics.jsonl file
  int64_t lines = 0;
  // Numeric top-level keys per split. Validation keys lose a "val_" prefix so
  // that "val_loss" lines up with the train "loss".
  std::map<std::string, std::vector<CurvePoint>> train;
  std::map<std::string, std::vector<CurvePoint>> val;
  std::vector<MatchEvent> matches;
  // Decoder-layer numbers of the target lists, when the stage folder records
  // them (empty: the heatmap labels fall back to list indices).
  std::vector<int64_t> student_layers;
  std::vector<int64_t> teacher_layers;
  std::string layers_source;  // the file they came from
};

struct JsonDocument {
  std::string relative_path;  // "eval/student/results.json"
  nlohmann::json value;       // for .jsonl files: an array of the lines' values
};

struct TextDocument {
  std::string relative_path;
  std::string text;
};

struct ReportData {
  std::string run_dir;
  std::vector<StageMetrics> stages;
  std::vector<JsonDocument> summaries;   // summary.json
  std::vector<JsonDocument> results;     // results.json (vlsi eval)
  std::vector<JsonDocument> ablations;   // ablation.json
  std::vector<TextDocument> markdown;    // results.md
  std::vector<JsonDocument> verbalized;  // *verbalized*.jsonl / .json (array of per-sample objects)
};

// Streams a Trainer metrics file; a malformed line fails with "PATH:LINE: ...".
StageMetrics read_stage_metrics(const std::string& path, const std::string& stage_name);

// The match list of one "events" entry: {"matched": [...]}, {"teacher_index": [...]}
// (LayerMatch JSON) or a bare integer array; false when the entry holds none.
bool match_from_event(const nlohmann::json& event, std::vector<int64_t>* matched);

// Target-layer lists of a stage folder: interact.json, then config.json,
// searched at any nesting depth for "student_target_layers"/"teacher_target_layers".
void read_stage_target_layers(const std::string& stage_dir, StageMetrics* stage);

// Walks `run_dir` up to `max_depth` levels (skipping checkpoints/ and hidden
// folders). Fails with one line when the folder is missing or holds neither
// metrics nor results.
ReportData scan_run_dir(const std::string& run_dir, int max_depth = 5);

}  // namespace vlsi::eval
