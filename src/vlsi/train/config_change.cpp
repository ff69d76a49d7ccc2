#include "vlsi/train/config_change.h"

#include "vlsi/train/run_data.h"

namespace vlsi::train {
using nlohmann::json;

const std::vector<std::string>& resume_exempt_fields() {
  static const std::vector<std::string> exempt = {"out", "trainer.log_every", "trainer.threads", "trainer.ckpt_every",
                                                   "trainer.keep_checkpoints", "data.prefetch"};
  return exempt;
}

const std::vector<std::pair<std::string, json>>& later_fields() {
  static const std::vector<std::pair<std::string, json>> later = {
      {"data.train_records", 0},
      {"data.train_records_from", 0},
      // A distill recipe's per-stage data fields (none = the recipe's data).
      {"verbalize_teacher.data", stage_data_defaults()},
      {"verbalize_student.data", stage_data_defaults()},
      {"interact.data", stage_data_defaults()},
      {"reinforce.data", stage_data_defaults()}};
  return later;
}

namespace {

// `path` is `field` or ends in ".field" (a stage's "stages.interact.data.prefetch").
bool names(const std::string& path, const std::string& field) {
  if (path == field) return true;
  return field.find('.') != std::string::npos && path.size() > field.size() &&
         path.compare(path.size() - field.size(), field.size(), field) == 0 &&
         path[path.size() - field.size() - 1] == '.';
}

bool is_exempt(const std::string& path) {
  for (const auto& e : resume_exempt_fields())
    if (names(path, e)) return true;
  return false;
}

// Absent from a run started before the field existed, and now at the value that behaves as then.
bool is_later_field_at_old_behaviour(const std::string& path, const json& value) {
  for (const auto& [field, old_behaviour] : later_fields())
    if (names(path, field) && value == old_behaviour) return true;
  return false;
}

std::string shown(const json* v) {
  if (v == nullptr) return "absent";
  std::string s = v->dump();
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

void diff(const json* a, const json* b, const std::string& path, std::vector<std::string>& out) {
  if (is_exempt(path)) return;
  if (!a && b && is_later_field_at_old_behaviour(path, *b)) return;
  if (a && b && a->is_object() && b->is_object()) {
    for (auto it = a->begin(); it != a->end(); ++it) {
      const std::string child = path.empty() ? it.key() : path + "." + it.key();
      diff(&it.value(), b->contains(it.key()) ? &(*b)[it.key()] : nullptr, child, out);
    }
    for (auto it = b->begin(); it != b->end(); ++it)
      if (!a->contains(it.key())) diff(nullptr, &it.value(), path.empty() ? it.key() : path + "." + it.key(), out);
    return;
  }
  // Numbers compare by value (3 == 3.0, 1e-3 == 0.001).
  if (a && b && *a == *b) return;
  out.push_back((path.empty() ? std::string("(config)") : path) + " (" + shown(a) + " -> " + shown(b) + ")");
}

void drop_later_fields(json& j, const std::string& path) {
  if (!j.is_object()) return;
  for (auto it = j.begin(); it != j.end();) {
    const std::string child = path.empty() ? it.key() : path + "." + it.key();
    if (is_later_field_at_old_behaviour(child, it.value())) {
      it = j.erase(it);
    } else {
      drop_later_fields(it.value(), child);
      ++it;
    }
  }
}

}  // namespace

json without_later_fields_at_old_behaviour(json config) {
  drop_later_fields(config, "");
  return config;
}

std::vector<std::string> changed_config_fields(const json& started, const json& resumed) {
  std::vector<std::string> out;
  diff(&started, &resumed, "", out);
  return out;
}

}  // namespace vlsi::train
