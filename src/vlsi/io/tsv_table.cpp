#include "vlsi/io/tsv_table.h"

#include <algorithm>
#include <unordered_set>

#include "vlsi/io/error.h"
#include "vlsi/io/limits.h"
#include "vlsi/io/read_file.h"

namespace vlsi::io {

int TsvTable::column(const std::string& name) const {
  auto it = std::find(columns.begin(), columns.end(), name);
  return it == columns.end() ? -1 : int(it - columns.begin());
}

std::string TsvTable::where(size_t row, const std::string& column_name) const {
  return path + ":" + std::to_string(row < lines.size() ? lines[row] : 0) + ": column '" + column_name + "'";
}

namespace {

// Walks the text record by record; fields are appended to `record`.
class TsvScanner {
 public:
  TsvScanner(std::string_view text, const std::string& path)
      : text_(text), path_(path), max_field_(limit_value(limits::kTsvFieldBytes)) {}

  bool done() const { return pos_ >= text_.size(); }
  int64_t line() const { return line_; }

  // Reads one record (false for a blank line, which pandas skips).
  bool next(std::vector<std::string>& record) {
    record.clear();
    if (at_line_end()) {
      skip_line_end();
      return false;
    }
    for (;;) {
      record.push_back(field(record.size() + 1));
      if (pos_ >= text_.size()) return true;
      if (text_[pos_] == '\t') {
        ++pos_;
        continue;
      }
      skip_line_end();
      return true;
    }
  }

 private:
  bool at_line_end() const {
    return pos_ >= text_.size() || text_[pos_] == '\n' ||
           (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n');
  }
  void skip_line_end() {
    if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
    ++line_;
  }
  void check_size(size_t n, size_t column) const {
    check(int64_t(n) <= max_field_, path_, ":", line_, ": field ", column, " is longer than allowed",
          limit_note(limits::kTsvFieldBytes));
  }

  std::string field(size_t column) {
    std::string out;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      const int64_t opened = line_;
      ++pos_;
      for (;;) {
        check(pos_ < text_.size(), path_, ":", opened, ": field ", column, ": quote opened here is never closed");
        const char c = text_[pos_++];
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            out += '"';
            ++pos_;
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        out += c;
        check_size(out.size(), column);
      }
      check(pos_ >= text_.size() || text_[pos_] == '\t' || at_line_end(), path_, ":", line_, ": field ", column,
            ": text after the closing quote (expected a tab or the end of the line)");
      return out;
    }
    size_t end = pos_;
    while (end < text_.size() && text_[end] != '\t' && text_[end] != '\n') ++end;
    size_t stop = end;
    if (stop > pos_ && end < text_.size() && text_[end] == '\n' && text_[stop - 1] == '\r') --stop;
    check_size(stop - pos_, column);
    out.assign(text_.substr(pos_, stop - pos_));
    pos_ = stop;
    return out;
  }

  std::string_view text_;
  const std::string& path_;
  int64_t max_field_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

}  // namespace

TsvTable parse_tsv(std::string_view text, const std::string& path) {
  TsvTable t;
  t.path = path;
  TsvScanner scan(text, path);
  std::vector<std::string> record;
  while (!scan.done() && !scan.next(record)) {
  }
  check(!record.empty(), path, ": empty table (expected a header row)");
  std::unordered_set<std::string> seen;
  for (size_t c = 0; c < record.size(); ++c) {
    check(!record[c].empty(), path, ":1: column ", c + 1, " has an empty name");
    check(seen.insert(record[c]).second, path, ": column '", record[c], "' appears twice in the header");
  }
  t.columns = record;
  while (!scan.done()) {
    const int64_t line = scan.line();
    if (!scan.next(record)) continue;
    check(record.size() == t.columns.size(), path, ":", line, ": ", record.size(), " fields, the header has ",
          t.columns.size());
    t.rows.push_back(std::move(record));
    t.lines.push_back(line);
    record = {};
  }
  return t;
}

TsvTable read_tsv_file(const std::string& path) { return parse_tsv(read_file(path), path); }

std::string tsv_quoted(std::string_view field) {
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string format_tsv(const std::vector<std::string>& columns, const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  auto line = [&out](const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) out += (i ? "\t" : "") + tsv_quoted(fields[i]);
    out += '\n';
  };
  line(columns);
  for (const auto& r : rows) {
    check(r.size() == columns.size(), "format_tsv: a row has ", r.size(), " fields for ", columns.size(), " columns");
    line(r);
  }
  return out;
}

bool is_missing_field(std::string_view field) {
  static const std::unordered_set<std::string_view> kNa = {
      "",     "#N/A", "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
      "<NA>", "N/A",  "NA",       "NULL", "NaN",     "None",     "n/a",  "nan",  "null"};
  return kNa.count(field) > 0;
}

}  // namespace vlsi::io
