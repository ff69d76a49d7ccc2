#pragma once
// HTML building blocks of `vlsi report`: escaping (every piece of text from a
// run folder passes through it) and plain tables.
#include <string>
#include <vector>

namespace vlsi::eval {

// & < > " ' as entities; safe in element content and in quoted attributes.
std::string html_escape(const std::string& text);

// "distill/interact" -> "distill-interact": a fragment id / file-name part.
std::string slug(const std::string& text);

struct HtmlTable {
  std::string caption;                         // plain text; empty for none
  std::vector<std::string> header;             // plain text
  std::vector<std::vector<std::string>> rows;  // plain text cells (escaped when rendered)
  std::vector<bool> numeric_columns;           // right-aligned; may be shorter than the header
};

std::string render_table(const HtmlTable& table);

}  // namespace vlsi::eval
