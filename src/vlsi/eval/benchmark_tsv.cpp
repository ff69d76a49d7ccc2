#include "vlsi/eval/benchmark_tsv.h"

#include <cctype>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <unordered_map>

#include "vlsi/io/base64.h"
#include "vlsi/io/error.h"
#include "vlsi/io/read_file.h"

namespace vlsi::eval {
namespace fs = std::filesystem;

BenchmarkKind parse_benchmark_kind(const std::string& name, const std::string& where) {
  if (name == "mcq") return BenchmarkKind::mcq;
  if (name == "yorn") return BenchmarkKind::yorn;
  if (name == "pope") return BenchmarkKind::pope;
  fail(where, ": expected mcq, yorn or pope, got '", name, "'");
}

std::string benchmark_kind_name(BenchmarkKind kind) {
  switch (kind) {
    case BenchmarkKind::mcq: return "mcq";
    case BenchmarkKind::yorn: return "yorn";
    case BenchmarkKind::pope: return "pope";
  }
  return "?";
}

namespace {

// An integer field as pandas reads an all-integer column ("007" -> 7); false otherwise.
bool parse_integer(const std::string& s, long long& value) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  value = std::strtoll(s.c_str(), &end, 10);
  return errno == 0 && end && *end == '\0';
}

std::string normalised_index(const std::string& s) {
  long long v = 0;
  return parse_integer(s, v) ? std::to_string(v) : s;
}

// MMBench's circular copies: index k * 1e6 + i is rotation k of question i
// (mcq_circular_eval: g_index = int(index % 1e6), Python's non-negative modulo).
std::string circular_group(const std::string& index) {
  long long v = 0;
  if (!parse_integer(index, v)) return index;
  constexpr long long kOffset = 1000000;
  return std::to_string(((v % kOffset) + kOffset) % kOffset);
}

BenchmarkKind detect_kind(const io::TsvTable& t, const std::string& path) {
  if (t.has("A") && t.has("B")) return BenchmarkKind::mcq;
  std::string name = fs::path(path).filename().string();
  for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
  return name.find("pope") != std::string::npos ? BenchmarkKind::pope : BenchmarkKind::yorn;
}

std::string yes_no_answer(const std::string& s, const std::string& where) {
  std::string low = s;
  for (char& c : low) c = char(std::tolower(static_cast<unsigned char>(c)));
  check(low == "yes" || low == "no", where, ": expected Yes or No, got '", s, "'");
  return low == "yes" ? "Yes" : "No";
}

}  // namespace

BenchmarkTsv load_benchmark_tsv(const std::string& path, const std::string& kind) {
  BenchmarkTsv b;
  b.table = io::read_tsv_file(path);
  const io::TsvTable& t = b.table;
  for (const char* required : {"index", "question", "answer"})
    check(t.has(required), path, ": missing column '", required, "' (VLMEvalKit TSV: index, image, question, answer, ...)");
  check(t.has("image") || t.has("image_path"), path, ": missing column 'image' (base64) or 'image_path'");
  check(!t.rows.empty(), path, ": no rows after the header");
  b.kind = kind == "auto" ? detect_kind(t, path) : parse_benchmark_kind(kind, "eval: option --tsv-kind");
  if (b.kind == BenchmarkKind::mcq)
    check(t.has("A") && t.has("B"), path, ": a multiple-choice TSV needs option columns A and B");

  const int image_col = t.column("image"), path_col = t.column("image_path"), g_col = t.column("g_index");
  auto field = [&](size_t r, const char* name) {
    const int c = t.column(name);
    return c < 0 || io::is_missing_field(t.rows[r][size_t(c)]) ? std::string() : t.rows[r][size_t(c)];
  };
  std::unordered_map<std::string, size_t> row_of_index;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    BenchmarkQuestion q;
    q.location = path + ":" + std::to_string(t.lines[r]);
    q.index = normalised_index(t.rows[r][size_t(t.column("index"))]);
    check(!q.index.empty(), t.where(r, "index"), ": empty index");
    const auto [it, fresh] = row_of_index.emplace(q.index, r);
    check(fresh, t.where(r, "index"), ": index ", q.index, " also on line ", t.lines[it->second]);
    const std::string g = g_col >= 0 ? field(r, "g_index") : "";
    q.group = g.empty() ? circular_group(q.index) : normalised_index(g);
    q.question = t.rows[r][size_t(t.column("question"))];
    q.hint = field(r, "hint");
    q.category = field(r, "category");
    q.l2_category = field(r, "l2-category");
    for (char letter = 'A'; letter <= 'Z'; ++letter) {
      const std::string text = field(r, std::string(1, letter).c_str());
      if (!text.empty()) q.options.push_back({letter, text});
    }
    const std::string answer = t.rows[r][size_t(t.column("answer"))];
    if (b.kind == BenchmarkKind::mcq) {
      bool known = answer.size() == 1 && std::any_of(q.options.begin(), q.options.end(),
                                                     [&](const ChoiceOption& o) { return o.letter == answer[0]; });
      check(known, t.where(r, "answer"), ": expected the letter of one of the row's options, got '", answer, "'");
      q.answer = answer;
    } else {
      q.answer = yes_no_answer(answer, t.where(r, "answer"));
    }
    b.questions.push_back(std::move(q));
  }

  // Images: base64 data, a short reference to another row's index, or a file.
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const std::string data = image_col >= 0 ? field(r, "image") : "";
    const std::string file = path_col >= 0 ? field(r, "image_path") : "";
    size_t image_row = std::string::npos;
    if (data.size() > 64) {
      image_row = r;
    } else if (!data.empty()) {
      auto it = row_of_index.find(normalised_index(data));
      check(it != row_of_index.end(), t.where(r, "image"), ": '", data, "' is neither base64 image data nor the index of a row");
      check(field(it->second, "image").size() > 64, t.where(r, "image"), ": refers to index ", data,
            ", whose image is not base64 data");
      image_row = it->second;
    } else {
      check(!file.empty(), t.where(r, "image"), ": no image (empty image and image_path)");
    }
    b.image_rows.push_back(image_row);
    b.questions[r].image_key = !file.empty() ? file : "#" + b.questions[image_row].index;
  }
  return b;
}

data::Image benchmark_image(const BenchmarkTsv& b, size_t row) {
  const size_t image_row = b.image_rows.at(row);
  if (image_row != std::string::npos) {
    const std::string where = b.table.where(image_row, "image");
    return data::decode_image(io::decode_base64(b.table.rows[image_row][size_t(b.table.column("image"))], where), where);
  }
  fs::path file = b.table.rows[row][size_t(b.table.column("image_path"))];
  if (file.is_relative()) file = fs::path(b.table.path).parent_path() / file;
  return data::decode_image(io::read_file(file.string()), file.string());
}

std::string benchmark_prompt(const BenchmarkQuestion& q, BenchmarkKind kind) {
  if (kind != BenchmarkKind::mcq) return q.question;
  std::string prompt;
  if (!q.hint.empty()) prompt += "Hint: " + q.hint + "\n";
  prompt += "Question: " + q.question + "\n";
  if (!q.options.empty()) {
    prompt += "Options:\n";
    for (const auto& o : q.options) prompt += std::string(1, o.letter) + ". " + o.text + "\n";
    prompt += "Please select the correct answer from the options above. \n";
  }
  return prompt;
}

}  // namespace vlsi::eval
