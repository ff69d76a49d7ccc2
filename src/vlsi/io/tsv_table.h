#pragma once
// Tab-separated tables as pandas reads and writes them (read_csv(sep='\t'),
// to_csv(sep='\t', quoting=QUOTE_ALL) in VLMEvalKit's smp/file.py): a header
// row, one record per line, a field in double quotes may hold tabs, newlines
// and doubled quotes (""). Blank lines are skipped as pandas skips them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vlsi/io/limits.h"

namespace vlsi::io {

namespace limits {
// Bytes of one field of a TSV table (VLMEvalKit benchmarks hold base64 images
// of a few MB in a field; the whole file is also under kFileBytes).
inline constexpr Limit kTsvFieldBytes{"TSV field size in bytes", "VLSI_MAX_TSV_FIELD_BYTES", int64_t(256) << 20};
}  // namespace limits

struct TsvTable {
  std::string path;                        // for messages
  std::vector<std::string> columns;        // header names, in file order
  std::vector<std::vector<std::string>> rows;  // each as many fields as columns
  std::vector<int64_t> lines;              // line of the file each row starts on (1-based)

  // Index of a column, or -1 when absent.
  int column(const std::string& name) const;
  bool has(const std::string& name) const { return column(name) >= 0; }
  // "PATH:LINE: column 'NAME'": where a field is, for error messages.
  std::string where(size_t row, const std::string& column_name) const;
};

// Parses `text` read from `path`. A row with another field count than the
// header, an unterminated quote, text after a closing quote, a duplicate or
// empty column name, or a field over limits::kTsvFieldBytes fails with one line
// naming path, line and column.
TsvTable parse_tsv(std::string_view text, const std::string& path);
// Reads a regular file (under limits::kFileBytes) and parses it.
TsvTable read_tsv_file(const std::string& path);

// One field as pandas' QUOTE_ALL writes it: "..." with inner quotes doubled.
std::string tsv_quoted(std::string_view field);
// A header and rows as one TSV text (QUOTE_ALL, "\n" line ends).
std::string format_tsv(const std::vector<std::string>& columns, const std::vector<std::vector<std::string>>& rows);

// pandas' default missing values (read_csv na_values: "", "NaN", "NA", "None",
// "null", "N/A", ...): VLMEvalKit's pd.isna tests treat such a field as absent.
bool is_missing_field(std::string_view field);

}  // namespace vlsi::io
