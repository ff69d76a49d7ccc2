#pragma once
// Result files of a run as HTML tables, without knowing their schema in
// advance: a {"columns": [...], "rows": [[...]]} object is a table as given;
// an object whose values are all objects (models, categories) becomes one row
// per key with its flattened leaves as columns; other scalars become a
// key/value table. Also the cross-run accuracy comparison of results.json
// files and the tables of a markdown file.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/eval/report_data.h"
#include "vlsi/eval/report_markup.h"

namespace vlsi::eval {

// A table cell: strings as is, numbers via format_number, arrays of scalars
// joined with ", ", null as an empty cell, anything else as compact JSON.
std::string json_cell(const nlohmann::json& v);

// Every table of a JSON document (HTML), captions prefixed by `caption`.
std::string render_json_tables(const nlohmann::json& doc, const std::string& caption);

// One row per results.json that has "overall": {"accuracy"}: folder, model,
// overall and macro accuracy, then accuracy per category (union of categories).
// No rows when none qualifies.
HtmlTable results_comparison_table(const std::vector<JsonDocument>& results);

// Markdown: pipe tables become <table>, '#' lines headings, other lines paragraphs.
std::string render_markdown(const std::string& text);

}  // namespace vlsi::eval
