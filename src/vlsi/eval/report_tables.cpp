#include "vlsi/eval/report_tables.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "vlsi/eval/report_svg_chart.h"

namespace vlsi::eval {

using nlohmann::json;

namespace {

bool is_scalar_like(const json& v) {
  if (v.is_primitive()) return true;
  if (!v.is_array()) return false;
  return std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_primitive(); });
}

// All values are objects: a set of records keyed by name (models, categories).
bool is_record_set(const json& v) {
  return v.is_object() && !v.empty() && std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_object(); });
}

bool is_column_table(const json& v) {
  return v.is_object() && v.contains("columns") && v["columns"].is_array() && v.contains("rows") &&
         v["rows"].is_array();
}

// Leaves of a record, keyed by dotted path.
void flatten(const json& v, const std::string& prefix, std::vector<std::pair<std::string, const json*>>* out) {
  if (v.is_object() && !v.empty()) {
    for (auto& [k, child] : v.items()) flatten(child, prefix.empty() ? k : prefix + "." + k, out);
  } else {
    out->push_back({prefix, &v});
  }
}

// Records as rows; a column is named by its last path component when that is unique.
HtmlTable record_table(const std::vector<std::pair<std::string, const json*>>& records, const std::string& caption,
                       const std::string& key_header) {
  std::vector<std::string> columns;
  std::vector<std::map<std::string, const json*>> cells;
  for (auto& [name, rec] : records) {
    std::vector<std::pair<std::string, const json*>> leaves;
    flatten(*rec, "", &leaves);
    std::map<std::string, const json*> row;
    for (auto& [path, leaf] : leaves) {
      if (std::find(columns.begin(), columns.end(), path) == columns.end()) columns.push_back(path);
      row[path] = leaf;
    }
    cells.push_back(std::move(row));
  }
  std::map<std::string, int> last_count;
  auto last = [](const std::string& p) { auto d = p.rfind('.'); return d == std::string::npos ? p : p.substr(d + 1); };
  for (auto& c : columns) ++last_count[last(c)];
  HtmlTable t;
  t.caption = caption;
  t.header.push_back(key_header);
  t.numeric_columns.push_back(false);
  for (auto& c : columns) {
    t.header.push_back(last_count[last(c)] == 1 ? last(c) : c);
    bool numeric = true;
    for (auto& row : cells) {
      auto it = row.find(c);
      if (it != row.end() && !it->second->is_number()) numeric = false;
    }
    t.numeric_columns.push_back(numeric);
  }
  for (size_t r = 0; r < records.size(); ++r) {
    std::vector<std::string> row{records[r].first};
    for (auto& c : columns) {
      auto it = cells[r].find(c);
      row.push_back(it == cells[r].end() ? "" : json_cell(*it->second));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

HtmlTable column_table(const json& v, const std::string& caption) {
  HtmlTable t;
  t.caption = caption;
  for (auto& c : v["columns"]) t.header.push_back(json_cell(c));
  std::vector<bool> numeric(t.header.size(), true);
  for (auto& row : v["rows"]) {
    std::vector<std::string> cells;
    if (row.is_array()) {
      for (size_t c = 0; c < row.size(); ++c) {
        cells.push_back(json_cell(row[c]));
        if (c < numeric.size() && !row[c].is_number() && !row[c].is_null()) numeric[c] = false;
      }
    } else {
      cells.push_back(json_cell(row));
    }
    t.rows.push_back(std::move(cells));
  }
  t.numeric_columns = numeric;
  return t;
}

std::string join_caption(const std::string& a, const std::string& b) { return a.empty() ? b : a + " / " + b; }

void render_into(const json& doc, const std::string& caption, int depth, std::ostringstream& o) {
  if (is_column_table(doc)) {
    o << render_table(column_table(doc, caption));
    return;
  }
  if (doc.is_array() && !doc.empty() && std::all_of(doc.begin(), doc.end(), [](const json& e) { return e.is_object(); })) {
    std::vector<std::pair<std::string, const json*>> records;
    for (size_t i = 0; i < doc.size(); ++i) records.push_back({std::to_string(i), &doc[i]});
    o << render_table(record_table(records, caption, "#"));
    return;
  }
  if (!doc.is_object() || depth > 4) {
    HtmlTable t;
    t.caption = caption;
    t.rows.push_back({json_cell(doc)});
    o << render_table(t);
    return;
  }
  HtmlTable kv;
  kv.caption = caption;
  kv.header = {"key", "value"};
  kv.numeric_columns = {false, false};
  for (auto& [k, v] : doc.items())
    if (is_scalar_like(v)) kv.rows.push_back({k, json_cell(v)});
  if (!kv.rows.empty()) o << render_table(kv);
  for (auto& [k, v] : doc.items()) {
    if (is_scalar_like(v)) continue;
    if (is_record_set(v)) {
      std::vector<std::pair<std::string, const json*>> records;
      for (auto& [name, rec] : v.items()) records.push_back({name, &rec});
      o << render_table(record_table(records, join_caption(caption, k), k));
    } else {
      render_into(v, join_caption(caption, k), depth + 1, o);
    }
  }
}

std::vector<std::string> split_pipe_row(std::string line) {
  auto trim = [](std::string s) {
    size_t a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
  };
  line = trim(line);
  if (!line.empty() && line.front() == '|') line.erase(0, 1);
  if (!line.empty() && line.back() == '|') line.pop_back();
  std::vector<std::string> cells;
  std::string cur;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cur += '|';
      ++i;
    } else if (line[i] == '|') {
      cells.push_back(trim(cur));
      cur.clear();
    } else {
      cur += line[i];
    }
  }
  cells.push_back(trim(cur));
  return cells;
}

bool is_separator_row(const std::vector<std::string>& cells) {
  for (auto& c : cells)
    if (c.empty() || c.find_first_not_of("-: ") != std::string::npos) return false;
  return true;
}

}  // namespace

std::string json_cell(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return format_number(v.get<double>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_null()) return "";
  if (is_scalar_like(v)) {
    std::string s;
    for (auto& e : v) s += (s.empty() ? "" : ", ") + json_cell(e);
    return s;
  }
  return v.dump();
}

std::string render_json_tables(const json& doc, const std::string& caption) {
  std::ostringstream o;
  render_into(doc, caption, 0, o);
  return o.str();
}

HtmlTable results_comparison_table(const std::vector<JsonDocument>& results) {
  std::vector<std::string> categories;
  std::vector<const JsonDocument*> usable;
  for (const JsonDocument& d : results) {
    const json& r = d.value;
    if (!r.is_object() || !r.contains("overall") || !r["overall"].is_object() || !r["overall"].contains("accuracy"))
      continue;
    usable.push_back(&d);
    if (r.contains("categories") && r["categories"].is_object())
      for (auto& [name, c] : r["categories"].items())
        if (std::find(categories.begin(), categories.end(), name) == categories.end()) categories.push_back(name);
  }
  HtmlTable t;
  t.caption = "accuracy per results.json";
  t.header = {"results", "model", "overall", "macro"};
  t.numeric_columns = {false, false, true, true};
  for (auto& c : categories) {
    t.header.push_back(c);
    t.numeric_columns.push_back(true);
  }
  for (const JsonDocument* d : usable) {
    const json& r = d->value;
    std::vector<std::string> row{d->relative_path, r.contains("model") ? json_cell(r["model"]) : "",
                                 json_cell(r["overall"]["accuracy"]),
                                 r.contains("macro_accuracy") ? json_cell(r["macro_accuracy"]) : ""};
    for (auto& c : categories) {
      const json* cat = r.contains("categories") && r["categories"].contains(c) ? &r["categories"][c] : nullptr;
      row.push_back(cat && cat->is_object() && cat->contains("accuracy") ? json_cell((*cat)["accuracy"]) : "");
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string render_markdown(const std::string& text) {
  std::ostringstream o;
  std::istringstream in(text);
  std::string line;
  std::vector<std::vector<std::string>> block;
  auto flush_table = [&] {
    if (block.empty()) return;
    HtmlTable t;
    size_t start = 0;
    if (block.size() >= 2 && is_separator_row(block[1])) {
      t.header = block[0];
      start = 2;
    }
    for (size_t i = start; i < block.size(); ++i)
      if (!is_separator_row(block[i])) t.rows.push_back(block[i]);
    o << render_table(t);
    block.clear();
  };
  while (std::getline(in, line)) {
    size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos && line[first] == '|') {
      block.push_back(split_pipe_row(line));
      continue;
    }
    flush_table();
    if (first == std::string::npos) continue;
    if (line[first] == '#') {
      size_t text_start = line.find_first_not_of("# ", first);
      o << "<h4>" << html_escape(text_start == std::string::npos ? "" : line.substr(text_start)) << "</h4>\n";
    } else {
      o << "<p>" << html_escape(line.substr(first)) << "</p>\n";
    }
  }
  flush_table();
  return o.str();
}

}  // namespace vlsi::eval
