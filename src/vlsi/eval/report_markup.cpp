#include "vlsi/eval/report_markup.h"

#include <sstream>

namespace vlsi::eval {

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string slug(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (keep) out += c;
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "run" : out;
}

std::string render_table(const HtmlTable& table) {
  std::ostringstream o;
  o << "<table>";
  if (!table.caption.empty()) o << "<caption>" << html_escape(table.caption) << "</caption>";
  auto numeric = [&](size_t c) { return c < table.numeric_columns.size() && table.numeric_columns[c]; };
  if (!table.header.empty()) {
    o << "<thead><tr>";
    for (const auto& h : table.header) o << "<th>" << html_escape(h) << "</th>";
    o << "</tr></thead>";
  }
  o << "<tbody>";
  for (const auto& row : table.rows) {
    o << "<tr>";
    for (size_t c = 0; c < row.size(); ++c) o << (numeric(c) ? "<td class=\"num\">" : "<td>") << html_escape(row[c]) << "</td>";
    o << "</tr>";
  }
  o << "</tbody></table>\n";
  return o.str();
}

}  // namespace vlsi::eval
