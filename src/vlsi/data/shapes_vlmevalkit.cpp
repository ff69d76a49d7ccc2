#include "vlsi/data/shapes_vlmevalkit.h"

#include <algorithm>

#include "vlsi/data/image.h"
#include "vlsi/data/shapes_yes_no.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/base64.h"
#include "vlsi/io/error.h"
#include "vlsi/io/tsv_table.h"

namespace vlsi::data::shapes {

namespace {

using Rows = std::vector<std::vector<std::string>>;

// Seeds of the TSV-only draws (distractors, questions), apart from the scenes'.
constexpr uint64_t kMcqStream = 0x6d6371, kYornStream = 0x79726e, kPopeStream = 0x706f7065;

// The question without its answer-format hint or inline options: up to the first "?".
std::string stem(const std::string& question) { return question.substr(0, question.find('?') + 1); }

// Three wrong options of the answer's kind (number, colour or shape name), or none.
std::vector<std::string> distractors(const Sample& s, Rng& rng) {
  std::vector<std::string> pool;
  if (s.answer_type == "number") {
    for (int v = 1; v <= 9; ++v) pool.push_back(std::to_string(v));
    // Sums up to 12 (arithmetic): the nearest numbers instead. Answers 1..9
    // keep the pool (and so the draws) of generator version 2.
    if (std::find(pool.begin(), pool.end(), s.answer) == pool.end() && !s.answer.empty() && s.answer.size() <= 2 &&
        std::all_of(s.answer.begin(), s.answer.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      pool.clear();
      for (int v = std::max(1, std::stoi(s.answer) - 4), e = v + 8; v <= e; ++v) pool.push_back(std::to_string(v));
    }
  } else {
    for (const auto& c : palette()) pool.push_back(c.name);
    if (std::find(pool.begin(), pool.end(), s.answer) == pool.end()) {
      pool.clear();
      for (ShapeKind k : all_shapes()) pool.push_back(shape_name(k));
    }
  }
  auto self = std::find(pool.begin(), pool.end(), s.answer);
  if (self == pool.end()) return {};
  pool.erase(self);
  rng.shuffle(pool);
  pool.resize(3);
  return pool;
}

std::string l2_category(Category c) {
  switch (c) {
    case Category::pattern:
    case Category::reasoning:
    case Category::relational:
    case Category::comparison:
    case Category::arithmetic: return "reasoning";
    default: return "perception";
  }
}

Rows mcq_rows(const std::vector<std::pair<std::string, Sample>>& test, uint64_t seed, VlmevalkitCounts& counts) {
  Rows rows;
  int64_t q = 0;
  for (const auto& [name, s] : test) {
    if (s.answer_type == "yesno") continue;
    std::vector<std::string> options = s.options;
    int letter = s.answer.empty() ? 0 : s.answer[0] - 'A';
    if (options.empty()) {
      Rng rng(Rng::mix({seed, kMcqStream, uint64_t(q)}));
      options = distractors(s, rng);
      if (options.empty()) continue;
      letter = int(q % 4);  // every letter equally often
      options.insert(options.begin() + letter, s.answer);
    }
    const int n = int(options.size());
    const std::string image = io::encode_base64(encode_png(s.image));
    for (int k = 0; k < n; ++k) {
      // Rotation k shows option (j + k) mod n as letter j.
      std::vector<std::string> r = {std::to_string(int64_t(k) * 1000000 + q), stem(s.question), ""};
      for (int j = 0; j < n; ++j) r.push_back(options[size_t((j + k) % n)]);
      r.push_back(std::string(1, char('A' + (letter - k + n) % n)));
      r.insert(r.end(), {category_name(s.category), l2_category(s.category), k == 0 ? image : std::to_string(q)});
      rows.push_back(std::move(r));
    }
    ++q;
  }
  counts.mcq_questions = q;
  counts.mcq_rows = int64_t(rows.size());
  return rows;
}

// One row of a yes/no TSV; the image's first row holds the data.
void add_yes_no_row(Rows& rows, const std::string& question, bool yes, const std::string& category,
                    const std::string& image_name, const std::string& image_data, int64_t& first_index) {
  const int64_t index = int64_t(rows.size());
  const bool first = first_index < 0;
  if (first) first_index = index;
  rows.push_back({std::to_string(index), question, yes ? "Yes" : "No", category, "perception", image_name + ".png",
                  first ? image_data : std::to_string(first_index)});
}

Rows yorn_rows(const std::vector<std::pair<std::string, Sample>>& test, uint64_t seed) {
  Rows rows;
  int64_t image = 0;
  for (const auto& [name, s] : test) {
    if (s.objects.empty()) continue;
    Rng rng(Rng::mix({seed, kYornStream, uint64_t(image)}));
    const YesNoPair p = make_yes_no_pair(s.objects, s.image.width, int(image % kYesNoCategories), rng);
    const std::string data = io::encode_base64(encode_png(s.image));
    int64_t first = -1;
    const bool yes_first = image % 2 == 0;  // no answer in a fixed position
    add_yes_no_row(rows, yes_first ? p.yes : p.no, yes_first, p.category, name, data, first);
    add_yes_no_row(rows, yes_first ? p.no : p.yes, !yes_first, p.category, name, data, first);
    ++image;
  }
  return rows;
}

Rows pope_rows(const std::vector<std::pair<std::string, Sample>>& test, uint64_t seed) {
  std::vector<int> frequency(size_t(object_ids()), 0);
  for (const auto& [name, s] : test)
    for (const auto& o : s.objects) frequency[size_t(object_id(o))] += 1;
  Rows rows;
  int64_t image = 0;
  for (const auto& [name, s] : test) {
    if (s.objects.empty()) continue;
    Rng rng(Rng::mix({seed, kPopeStream, uint64_t(image)}));
    const std::string data = io::encode_base64(encode_png(s.image));
    int64_t first = -1;
    for (const std::string& split : pope_splits()) {
      add_yes_no_row(rows, presence_question(pope_present_object(s.objects, rng)), true, split, name, data, first);
      add_yes_no_row(rows, presence_question(pope_absent_object(s.objects, split, frequency, rng)), false, split, name,
                     data, first);
    }
    ++image;
  }
  return rows;
}

}  // namespace

VlmevalkitCounts write_vlmevalkit_tsvs(const std::string& out_dir,
                                       const std::vector<std::pair<std::string, Sample>>& test, uint64_t seed) {
  VlmevalkitCounts counts;
  const std::string dir = out_dir + "/vlmevalkit";
  io::make_dirs(dir);
  const Rows mcq = mcq_rows(test, seed, counts);
  io::write_file_atomic(dir + "/shapes_mcq.tsv",
                        io::format_tsv({"index", "question", "hint", "A", "B", "C", "D", "answer", "category",
                                        "l2-category", "image"},
                                       mcq));
  const std::vector<std::string> yes_no_columns = {"index", "question", "answer", "category", "l2-category",
                                                   "image_path", "image"};
  const Rows yorn = yorn_rows(test, seed);
  io::write_file_atomic(dir + "/shapes_yorn.tsv", io::format_tsv(yes_no_columns, yorn));
  const Rows pope = pope_rows(test, seed);
  io::write_file_atomic(dir + "/shapes_pope.tsv", io::format_tsv(yes_no_columns, pope));
  counts.yorn_rows = int64_t(yorn.size());
  counts.pope_rows = int64_t(pope.size());
  return counts;
}

}  // namespace vlsi::data::shapes
