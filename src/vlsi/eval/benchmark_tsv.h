#pragma once
// VLMEvalKit benchmark TSVs (MMBench-style multiple choice, MME-style yes/no,
// POPE): the rows as questions, the kind of benchmark, each row's image and
// the prompt VLMEvalKit builds for it. Columns (vlmeval/dataset/image_base.py,
// image_mcq.py): index, question, answer, image (base64 PNG/JPEG, or the index
// of another row whose image it shares when at most 64 characters) and/or
// image_path, hint, A..Z (options; missing ones empty), category, l2-category,
// g_index (circular group; default index % 1,000,000).
#include <string>
#include <vector>

#include "vlsi/data/image.h"
#include "vlsi/eval/choice_extraction.h"
#include "vlsi/io/tsv_table.h"

namespace vlsi::eval {

enum class BenchmarkKind { mcq, yorn, pope };
// "mcq" | "yorn" | "pope"; one-line error naming `where` otherwise.
BenchmarkKind parse_benchmark_kind(const std::string& name, const std::string& where);
std::string benchmark_kind_name(BenchmarkKind kind);

// One row of a benchmark, what the scorers need.
struct BenchmarkQuestion {
  std::string index;     // as pandas reads it (integers without leading zeros)
  std::string group;     // circular group: g_index, else index % 1e6; the main row has index == group
  std::string question, hint;
  std::vector<ChoiceOption> options;  // A.. in letter order, missing ones left out
  std::string answer;    // an option letter, or "Yes" / "No"
  std::string category, l2_category;  // "" when absent
  std::string image_key; // the image asked about: image_path, else the row holding the image data
  std::string location;  // "FILE:LINE"
};

struct BenchmarkTsv {
  io::TsvTable table;
  BenchmarkKind kind = BenchmarkKind::mcq;
  std::vector<BenchmarkQuestion> questions;  // one per row
  std::vector<size_t> image_rows;            // row whose `image` field holds each row's image; npos: image_path
};

// `kind`: "auto" picks mcq when the table has columns A and B, else pope when
// the file name contains "pope" (any case; VLMEvalKit picks by dataset name),
// else yorn (MME). Fails with one line naming file, line and column for a
// missing column, an answer that is not an option letter (mcq) or yes/no,
// a duplicate index, or an image reference to no row with an image.
BenchmarkTsv load_benchmark_tsv(const std::string& path, const std::string& kind);

// The row's image: its base64 `image` (decoded with data::decode_image), else
// the file at image_path (absolute or relative to the TSV's folder).
data::Image benchmark_image(const BenchmarkTsv& b, size_t row);

// The text VLMEvalKit's build_prompt gives the model after the image: for mcq
// (ImageMCQDataset.build_prompt) "Hint: ...\n" when there is one, "Question:
// ...\n", "Options:\nA. ...\n" and "Please select the correct answer from the
// options above. \n"; for yes/no (ImageBaseDataset.build_prompt) the question
// as written (MME's questions end in "Please answer yes or no.").
std::string benchmark_prompt(const BenchmarkQuestion& q, BenchmarkKind kind);

}  // namespace vlsi::eval
