#include "vlsi/eval/report_data.h"

#include <cmath>
#include <sstream>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/string_util.h"

namespace vlsi::eval {

using nlohmann::json;

namespace {

using io::ends_with;

std::string dir_of(const std::string& relative_path) {
  auto slash = relative_path.rfind('/');
  return slash == std::string::npos ? "." : relative_path.substr(0, slash);
}

// The first integer array stored under `key` anywhere in `j` (depth-first).
bool find_int_list(const json& j, const std::string& key, std::vector<int64_t>* out) {
  if (j.is_object()) {
    auto it = j.find(key);
    if (it != j.end() && it->is_array() && !it->empty()) {
      bool ints = true;
      for (auto& v : *it) ints = ints && v.is_number_integer();
      if (ints) {
        *out = it->get<std::vector<int64_t>>();
        return true;
      }
    }
    for (auto& [k, v] : j.items())
      if (find_int_list(v, key, out)) return true;
  } else if (j.is_array()) {
    for (auto& v : j)
      if (find_int_list(v, key, out)) return true;
  }
  return false;
}

json read_jsonl_array(const std::string& path) {
  std::istringstream in(io::read_file(path));
  json rows = json::array();
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    rows.push_back(io::parse_json_line(line, path, line_no));
  }
  return rows;
}

}  // namespace

bool match_from_event(const json& event, std::vector<int64_t>* matched) {
  const json* list = nullptr;
  if (event.is_array()) {
    list = &event;
  } else if (event.is_object()) {
    for (const char* key : {"matched", "teacher_index"}) {
      auto it = event.find(key);
      if (it != event.end() && it->is_array()) {
        list = &*it;
        break;
      }
    }
  }
  if (!list || list->empty()) return false;
  matched->clear();
  for (auto& v : *list) {
    if (!v.is_number_integer()) return false;
    matched->push_back(v.get<int64_t>());
  }
  return true;
}

StageMetrics read_stage_metrics(const std::string& path, const std::string& stage_name) {
  std::istringstream in(io::read_file(path));
  StageMetrics stage;
  stage.name = stage_name;
  stage.path = path;
  std::string line;
  int64_t line_no = 0;
  std::vector<int64_t> matched;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json row = io::parse_json_line(line, path, line_no);
    check(row.is_object(), path, ":", line_no, ": expected a JSON object, got ", io::json_type_name(row));
    auto step_it = row.find("step");
    check(step_it != row.end() && step_it->is_number(), path, ":", line_no, ": field 'step': expected a number");
    double step = step_it->get<double>();
    std::string split = "train";
    if (auto s = row.find("split"); s != row.end()) {
      check(s->is_string(), path, ":", line_no, ": field 'split': expected a string");
      split = s->get<std::string>();
    }
    bool is_val = split != "train";
    auto& curves = is_val ? stage.val : stage.train;
    for (auto& [key, value] : row.items()) {
      if (key == "step" || !value.is_number()) continue;
      double v = value.get<double>();
      if (!std::isfinite(v)) continue;
      std::string name = is_val && key.rfind("val_", 0) == 0 ? key.substr(4) : key;
      curves[name].push_back({step, v});
    }
    if (auto ev = row.find("events"); ev != row.end()) {
      check(ev->is_array(), path, ":", line_no, ": field 'events': expected an array");
      for (auto& e : *ev)
        if (match_from_event(e, &matched)) stage.matches.push_back({int64_t(step), matched});
    }
  }
  stage.lines = line_no;
  return stage;
}

void read_stage_target_layers(const std::string& stage_dir, StageMetrics* stage) {
  for (const char* name : {"interact.json", "config.json"}) {
    std::string path = io::join_path(stage_dir, name);
    if (!io::file_exists(path)) continue;
    json j = io::read_json_file(path);
    std::vector<int64_t> student, teacher;
    bool has_student = find_int_list(j, "student_target_layers", &student);
    bool has_teacher = find_int_list(j, "teacher_target_layers", &teacher);
    if (has_student || has_teacher) {
      stage->student_layers = student;
      stage->teacher_layers = teacher;
      stage->layers_source = path;
      return;
    }
  }
}

ReportData scan_run_dir(const std::string& run_dir, int max_depth) {
  check(!run_dir.empty(), "report: no run folder given");
  check(io::is_directory(run_dir), run_dir, ": no such run folder");
  ReportData data;
  data.run_dir = run_dir;
  io::walk_dir(run_dir, max_depth, [&](const std::string& rel, const io::DirEntry& e) {
    if (e.is_dir) return e.name != "checkpoints" && e.name[0] != '.';
    if (!e.is_file) return false;
    std::string full = io::join_path(run_dir, rel);
    if (e.name == "metrics.jsonl") {
      data.stages.push_back(read_stage_metrics(full, dir_of(rel)));
      read_stage_target_layers(io::join_path(run_dir, dir_of(rel)), &data.stages.back());
    } else if (e.name == "summary.json") {
      data.summaries.push_back({rel, io::read_json_file(full)});
    } else if (e.name == "results.json") {
      data.results.push_back({rel, io::read_json_file(full)});
    } else if (e.name == "ablation.json") {
      data.ablations.push_back({rel, io::read_json_file(full)});
    } else if (e.name == "results.md") {
      data.markdown.push_back({rel, io::read_file(full)});
    } else if (e.name.find("verbalized") != std::string::npos && ends_with(e.name, ".jsonl")) {
      data.verbalized.push_back({rel, read_jsonl_array(full)});
    } else if (e.name.find("verbalized") != std::string::npos && ends_with(e.name, ".json")) {
      // `vlsi verbalize --json > verbalized.json`: one pretty-printed object (or an array of them).
      json doc = io::read_json_file(full);
      data.verbalized.push_back({rel, doc.is_array() ? doc : json::array({doc})});
    }
    return false;
  });
  check(!data.stages.empty() || !data.summaries.empty() || !data.results.empty() || !data.ablations.empty() ||
            !data.markdown.empty(),
        run_dir, ": no metrics.jsonl, summary.json, results.json, ablation.json or results.md found (searched ",
        max_depth, " levels deep)");
  return data;
}

}  // namespace vlsi::eval
