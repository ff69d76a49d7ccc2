#include "vlsi/eval/report_samples.h"

#include <sstream>

#include "vlsi/eval/report_markup.h"
#include "vlsi/eval/report_tables.h"

namespace vlsi::eval {

using nlohmann::json;

namespace {

std::string text_of(const json& obj, std::initializer_list<const char*> keys) {
  if (!obj.is_object()) return "";
  for (const char* k : keys) {
    auto it = obj.find(k);
    if (it != obj.end() && !it->is_null()) return json_cell(*it);
  }
  return "";
}

// A layer list: [{"layer": L, "text": "..."}] (or "output"), or an object {"L": "text"}.
HtmlTable layer_table(const json& layers, const std::string& who) {
  HtmlTable t;
  t.header = {who + " layer", "verbalized text"};
  t.numeric_columns = {true, false};
  if (layers.is_array()) {
    for (auto& e : layers) {
      if (e.is_object()) t.rows.push_back({text_of(e, {"layer", "index"}), text_of(e, {"text", "output", "answer"})});
      else t.rows.push_back({"", json_cell(e)});
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
    head.header = {"id", "question", "answer"};
    head.rows.push_back({text_of(s, {"id"}), text_of(s, {"question", "prompt"}), text_of(s, {"answer", "prediction"})});
    std::string reference = text_of(s, {"reference", "expected"});
    if (!reference.empty()) {
      head.header.push_back("reference");
      head.rows[0].push_back(reference);
    }
    o << render_table(head);
    o << "<div class=\"side\">";
    if (s.contains("layers")) o << render_table(layer_table(s["layers"], "student"));
    if (s.contains("teacher_layers")) o << render_table(layer_table(s["teacher_layers"], "teacher"));
    o << "</div></div>\n";
  }
  return o.str();
}

}  // namespace vlsi::eval
