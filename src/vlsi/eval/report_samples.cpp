#include "vlsi/eval/report_samples.h"

#include <sstream>
#include <utility>
#include <vector>

#include "vlsi/eval/report_markup.h"
#include "vlsi/eval/report_tables.h"

namespace vlsi::eval {

using nlohmann::json;

namespace {

std::string text_of(const json& obj, const std::vector<const char*>& keys) {
  if (!obj.is_object()) return "";
  for (const char* k : keys) {
    auto it = obj.find(k);
    if (it != obj.end() && !it->is_null()) return json_cell(*it);
  }
  return "";
}

// The layer list of one model: sample[flat_key], else sample[side]["layers"].
const json* layers_of(const json& sample, const char* flat_key, const char* side) {
  if (auto it = sample.find(flat_key); it != sample.end()) return &*it;
  if (auto it = sample.find(side); it != sample.end() && it->is_object())
    if (auto l = it->find("layers"); l != it->end()) return &*l;
  return nullptr;
}

// [{"layer": L, "head"?, "text": "..."}] (or "output"), or an object {"L": "text"}.
HtmlTable layer_table(const json& layers, const std::string& who, const std::string& model) {
  bool has_head = false;
  if (layers.is_array())
    for (auto& e : layers) has_head = has_head || (e.is_object() && e.contains("head"));
  HtmlTable t;
  t.caption = model.empty() ? who : who + " (" + model + ")";
  t.header = {"layer"};
  if (has_head) t.header.push_back("head");
  t.header.push_back("verbalized text");
  t.numeric_columns = {true};
  if (layers.is_array()) {
    for (auto& e : layers) {
      if (!e.is_object()) {
        t.rows.push_back({"", json_cell(e)});
        continue;
      }
      std::vector<std::string> row{text_of(e, {"layer", "index"})};
      if (has_head) row.push_back(text_of(e, {"head"}));
      row.push_back(text_of(e, {"text", "output", "answer"}));
      t.rows.push_back(std::move(row));
    }
  } else if (layers.is_object()) {
    for (auto& [k, v] : layers.items()) t.rows.push_back({k, json_cell(v)});
  }
  return t;
}

}  // namespace

std::string render_verbalized_samples(const json& samples, const std::string& where, size_t max_samples) {
  std::ostringstream o;
  const size_t n = samples.is_array() ? samples.size() : 0;
  o << "<p class=\"note\">" << html_escape(where) << ": " << n << " sample" << (n == 1 ? "" : "s");
  if (n > max_samples) o << ", showing the first " << max_samples;
  o << "</p>\n";
  for (size_t i = 0; i < n && i < max_samples; ++i) {
    const json& s = samples[i];
    o << "<div class=\"sample\">";
    if (!s.is_object()) {
      o << "<p>" << html_escape(json_cell(s)) << "</p></div>\n";
      continue;
    }
    HtmlTable head;
    static const std::vector<std::pair<const char*, std::vector<const char*>>> kFields = {
        {"id", {"id"}},
        {"image", {"image"}},
        {"question", {"question", "prompt"}},
        {"answer", {"answer", "prediction"}},
        {"reference", {"reference", "expected"}}};
    for (const auto& [label, keys] : kFields) {
      std::string v = text_of(s, keys);
      if (v.empty()) continue;
      head.header.push_back(label);
      if (head.rows.empty()) head.rows.emplace_back();
      head.rows[0].push_back(v);
    }
    if (!head.rows.empty()) o << render_table(head);
    o << "<div class=\"side\">";
    if (const json* l = layers_of(s, "layers", "student"))
      o << render_table(layer_table(*l, "student", s.contains("student") ? text_of(s["student"], {"model"}) : ""));
    if (const json* l = layers_of(s, "teacher_layers", "teacher"))
      o << render_table(layer_table(*l, "teacher", s.contains("teacher") ? text_of(s["teacher"], {"model"}) : ""));
    o << "</div></div>\n";
  }
  return o.str();
}

}  // namespace vlsi::eval
