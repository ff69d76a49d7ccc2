#include "vlsi/data/shapes_dataset.h"

#include <chrono>
#include <cstdio>
#include <unordered_set>

#include "vlsi/data/image.h"
#include "vlsi/data/record.h"
#include "vlsi/data/rng.h"
#include "vlsi/data/shapes_draw.h"
#include "vlsi/data/shapes_tasks.h"
#include "vlsi/data/shapes_vlmevalkit.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"

namespace vlsi::data::shapes {

using json = nlohmann::json;

namespace {

constexpr const char* kDescribePrompt = "List the objects from left to right.";

// FNV-1a over pixels and question: the identity of a sample for the
// duplicate check (a 64-bit collision among a few million samples is
// vanishingly unlikely, and would only cost a redraw).
uint64_t sample_key(const Sample& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto eat = [&](const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  };
  eat(s.image.rgb.data(), s.image.rgb.size());
  eat("\0", 1);
  eat(s.question.data(), s.question.size());
  return h;
}

// Images are many and small: plain writes (the JSONL index, written
// atomically last, is what makes a dataset complete).
void write_bytes(const std::string& path, const std::string& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  check(f != nullptr, path, ": cannot open for writing");
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = std::fclose(f) == 0 && ok;
  check(ok, path, ": write failed (disk full?)");
}

std::string index_name(const std::string& split, int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%06lld", static_cast<long long>(i));
  return split + "_" + buf;
}

}  // namespace

json shapes_settings(const ShapesOptions& opt) {
  json s = {{"seed", opt.seed},   {"image_size", opt.image_size}, {"grid", opt.grid},
            {"train", opt.train}, {"val", opt.val},               {"test", opt.test},
            {"describe_train", opt.describe_train}};
  if (opt.version != 2) s["version"] = opt.version;
  return s;
}

ShapesSummary generate_shapes_dataset(const ShapesOptions& opt) {
  check(!opt.out_dir.empty(), "data shapes: --out is required");
  check(opt.version == 2 || opt.version == 3, "data shapes: version (--generator-version) must be 2 or 3, got ",
        opt.version);
  check(opt.train >= 0 && opt.val >= 0 && opt.test >= 0, "data shapes: split sizes must be >= 0");
  check(opt.image_size >= 32 && opt.image_size <= 1024, "data shapes: --image-size must be in [32, 1024], got ",
        opt.image_size);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string image_dir = opt.out_dir + "/images";
  io::make_dirs(image_dir);

  ShapesSummary summary;
  json splits = json::object();
  std::unordered_set<uint64_t> seen;
  const std::vector<std::pair<std::string, int64_t>> plan = {{"train", opt.train}, {"val", opt.val}, {"test", opt.test}};
  const auto& cats = categories_for_version(opt.version);
  std::vector<std::pair<std::string, Sample>> test_samples;  // for the TSVs
  for (size_t split_index = 0; split_index < plan.size(); ++split_index) {
    const auto& [split, count] = plan[split_index];
    std::string jsonl;
    json per_category = json::object(), answers = json::object(), answer_types = json::object();
    for (Category c : cats) {
      per_category[category_name(c)] = 0;
      answers[category_name(c)] = json::object();
      answer_types[category_name(c)] = json::object();
    }
    for (int64_t i = 0; i < count; ++i) {
      // Round-robin categories keep every prefix of a split balanced.
      const Category cat = cats[size_t(i) % cats.size()];
      const uint64_t slot = uint64_t(i) / cats.size();
      Sample s;
      for (uint64_t attempt = 0;; ++attempt) {
        Rng rng(Rng::mix({opt.seed, split_index, uint64_t(i), attempt}));
        s = make_sample(cat, slot, rng, Canvas{opt.image_size, opt.grid});
        if (seen.insert(sample_key(s)).second) break;
        ++summary.duplicates_redrawn;
        check(attempt < 1000, "data shapes: cannot draw a new sample for ", split, " #", i);
      }
      const std::string name = index_name(split, i);
      write_bytes(image_dir + "/" + name + ".png", encode_png(s.image));
      if (opt.vlmevalkit && split == "test") test_samples.push_back({name, s});
      Record r;
      r.id = split + "-" + name.substr(split.size() + 1);
      r.images = {name + ".png"};
      r.conversations = {{Role::human, std::string(kImagePlaceholder) + "\n" + s.question}, {Role::gpt, s.answer}};
      // Asked after the question, so the question's answer cannot be copied from it.
      if (opt.describe_train && split == "train" && !s.description.empty())
        r.conversations.insert(r.conversations.end(), {{Role::human, kDescribePrompt}, {Role::gpt, s.description}});
      r.extra["category"] = category_name(cat);
      r.extra["answer_type"] = s.answer_type;
      jsonl += record_to_json(r).dump() + "\n";
      const char* cn = category_name(cat);
      per_category[cn] = per_category[cn].get<int64_t>() + 1;
      answers[cn][s.answer] = answers[cn].value(s.answer, int64_t(0)) + 1;
      answer_types[cn][s.answer_type] = answer_types[cn].value(s.answer_type, int64_t(0)) + 1;
    }
    io::write_file_atomic(opt.out_dir + "/" + split + ".jsonl", jsonl);
    splits[split] = {{"count", count}, {"categories", per_category}, {"answers", answers}, {"answer_types", answer_types}};
    summary.records += count;
  }

  json colours = json::object();
  for (const auto& c : palette()) colours[c.name] = {c.rgb.r, c.rgb.g, c.rgb.b};
  json shapes = json::array();
  for (ShapeKind k : all_shapes()) shapes.push_back(shape_name(k));
  json categories = json::array();
  for (Category c : cats) categories.push_back(category_name(c));
  summary.meta = {
      {"generator", "vlsi data shapes"},
      {"version", opt.version},
      {"settings", shapes_settings(opt)},
      {"format", {{"image_folder", "images"}, {"record_fields", {"id", "image", "conversations", "category", "answer_type"}}}},
      {"categories", categories},
      {"palette", colours},
      {"shapes", shapes},
      {"background", {kBackground.r, kBackground.g, kBackground.b}},
      {"splits", splits},
  };
  io::write_json_file(opt.out_dir + "/meta.json", summary.meta);
  if (opt.vlmevalkit) {
    const VlmevalkitCounts c = write_vlmevalkit_tsvs(opt.out_dir, test_samples, opt.seed);
    summary.vlmevalkit = {{"shapes_mcq.tsv", c.mcq_rows}, {"shapes_yorn.tsv", c.yorn_rows}, {"shapes_pope.tsv", c.pope_rows},
                          {"mcq_questions", c.mcq_questions}};
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace vlsi::data::shapes
