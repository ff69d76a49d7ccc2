#include "vlsi/cli/demo_recipe.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "vlsi/cli/demo_budget.h"
#include "vlsi/cli/demo_students.h"
#include "vlsi/data/record.h"
#include "vlsi/data/shapes_dataset.h"
#include "vlsi/eval/eval_run.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/text/bpe_trainer.h"
#include "vlsi/text/tokenizer.h"
#include "vlsi/train/sft_run.h"
#include "vlsi/train/train_config.h"

namespace vlsi::cli {
namespace fs = std::filesystem;
using io::json;

json demo_defaults() {
  return {
      {"out", "runs/demo"},
      {"seed", 0},
      {"data", {{"train", 6000}, {"val", 210}, {"test", 700}, {"image_size", 64}, {"grid", 0}, {"describe_train", true},
                {"version", 3}}},  // the shapes generator's version (data/shapes_dataset.h)
      {"tokenizer",
       {{"vocab_size", 512}, {"special", {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>"}}}},
      {"models", json::object()},  // name -> demo_model_defaults() fields
      {"eval", {{"batch_size", 64}, {"max_new_tokens", 8}}},
      {"distill", json::object()},  // empty: no distillation (demo_students.h)
  };
}

json demo_model_defaults() {
  return {
      {"model", ""},        // the model config file (relative to the demo config's folder)
      {"trainer", json::object()},
      // Another model of the demo whose trained vision tower this one starts from
      // (trained first); frozen unless "vision" is in trainable.
      {"vision_from", ""},
      {"trainable", {"vision", "projector", "lm", "embeddings", "head"}},
      // false: train on the questions only (data/train-questions.jsonl), without the
      // object-listing exchange: a privileged teacher knows what its student's labels do not say.
      {"describe", true},
  };
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void stage(const std::string& name, const std::string& what) {
  std::fprintf(stderr, "\n== demo: %s — %s\n", name.c_str(), what.c_str());
}

std::string resolve_relative(const std::string& path, const std::string& base_dir) {
  if (path.empty() || fs::path(path).is_absolute() || base_dir.empty()) return path;
  return (fs::path(base_dir) / path).lexically_normal().string();
}

void make_tokenizer(const std::string& data_dir, const json& tcfg, const std::string& out_path) {
  text::BpeTrainerOptions o;
  o.vocab_size = io::get_field<int64_t>(tcfg, "vocab_size", "demo config: tokenizer");
  o.special_tokens = io::get_field<std::vector<std::string>>(tcfg, "special", "demo config: tokenizer");
  text::BpeTrainer trainer(o);
  data::RecordLoadOptions ro;
  ro.image_dir = (fs::path(data_dir) / "images").string();
  ro.image_check = data::ImageCheck::none;
  auto set = data::load_records((fs::path(data_dir) / "train.jsonl").string(), ro);
  for (const auto& r : set.records)
    for (const auto& t : r.conversations) trainer.add_text(t.value);
  // The chat template's own words, so role names are single tokens.
  for (const char* w : {"system\n", "user\n", "assistant\n", "You are a helpful assistant."}) trainer.add_text(w);
  io::write_json_file(out_path, trainer.train());
}

// Records in a JSONL split (one per non-empty line).
int64_t count_records(const std::string& jsonl) {
  std::istringstream lines(io::read_file(jsonl));
  std::string line;
  int64_t n = 0;
  while (std::getline(lines, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) ++n;
  return n;
}

// The training split without the object-listing exchange: each record keeps its first
// question and answer. Written next to train.jsonl, so the image folder is shared.
std::string write_question_only_split(const std::string& data_dir) {
  const std::string path = (fs::path(data_dir) / "train-questions.jsonl").string();
  if (fs::exists(path)) return path;
  std::istringstream lines(io::read_file(data_dir + "/train.jsonl"));
  std::string line, out;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json r = io::parse_json(line, data_dir + "/train.jsonl");
    json& turns = r.at("conversations");
    if (turns.size() > 2) turns.erase(turns.begin() + 2, turns.end());
    out += r.dump() + "\n";
  }
  io::write_file_atomic(path, out);
  return path;
}

// Training order: a model whose vision tower comes from another trains after it.
std::vector<std::string> training_order(const json& models, const std::string& where) {
  std::vector<std::string> first, then;
  for (auto& [name, m] : models.items()) {
    const std::string from = m["vision_from"];
    if (from.empty()) { first.push_back(name); continue; }
    check(models.contains(from) && from != name, where, ": models.", name, ".vision_from: '", from,
          "' is not another model of the demo");
    check(models[from]["vision_from"].get<std::string>().empty(), where, ": models.", name, ".vision_from: '", from,
          "' takes its own vision tower from another model; chains are not supported");
    then.push_back(name);
  }
  first.insert(first.end(), then.begin(), then.end());
  return first;
}

}  // namespace

json run_demo(const std::string& config_path, const std::vector<std::string>& overrides,
              const std::string& out_override) {
  auto t_start = std::chrono::steady_clock::now();
  json content = config_path.empty() ? json::object() : io::read_json_file(config_path);
  json cfg = io::merge_with_defaults(demo_defaults(), content, config_path.empty() ? "demo config" : config_path);
  // Spell out every trainer option so any of them can be overridden with --set.
  for (auto& [name, m] : cfg["models"].items()) {
    m = io::merge_with_defaults(demo_model_defaults(), m, "demo config: models." + name);
    m["trainer"] = io::merge_with_defaults(train::TrainerConfig::defaults_json(), m["trainer"],
                                           "demo config: models." + name + ".trainer");
  }
  io::apply_overrides(cfg, overrides);
  if (!out_override.empty()) cfg["out"] = out_override;
  std::string base = config_path.empty() ? "" : fs::path(config_path).parent_path().string();
  check(cfg["models"].is_object() && !cfg["models"].empty(), config_path, ": field 'models': expected at least one model");

  const std::string out = cfg["out"].get<std::string>();
  const uint64_t seed = io::get_field<uint64_t>(cfg, "seed", "demo config");
  io::make_dirs(out);
  io::write_json_file((fs::path(out) / "config.json").string(), cfg);
  std::fprintf(stderr, "demo: run folder %s, seed %llu\n", out.c_str(), (unsigned long long)seed);

  // 1. Benchmark data.
  const std::string data_dir = (fs::path(out) / "data").string();
  data::shapes::ShapesOptions so;
  so.out_dir = data_dir;
  so.seed = seed;
  so.train = io::get_field<int64_t>(cfg["data"], "train", "demo config: data");
  so.val = io::get_field<int64_t>(cfg["data"], "val", "demo config: data");
  so.test = io::get_field<int64_t>(cfg["data"], "test", "demo config: data");
  so.image_size = io::get_field<int>(cfg["data"], "image_size", "demo config: data");
  so.grid = io::get_field<int>(cfg["data"], "grid", "demo config: data");
  so.describe_train = io::get_field<bool>(cfg["data"], "describe_train", "demo config: data");
  so.version = io::get_field<int>(cfg["data"], "version", "demo config: data");
  const std::string meta_path = (fs::path(data_dir) / "meta.json").string();
  if (fs::exists(meta_path)) {
    // A finished run folder is reused stage by stage; data made with other
    // settings would silently mix two benchmarks, so refuse instead.
    const json have = io::read_json_file(meta_path).value("settings", json::object());
    const json wanted = data::shapes::shapes_settings(so);  // named: items() must not outlive it
    for (const auto& item : wanted.items()) {
      const json got = have.value(item.key(), item.key() == "grid" ? json(0) : json());  // older data: no grid
      check(got == item.value(), meta_path, ": data was generated with ", item.key(), " = ", got.dump(),
            ", the config asks for ", item.value().dump(), "; remove the run folder or choose another --out");
    }
    // Version 2's settings never list the version (its files stay byte-identical).
    const int have_version = have.value("version", 2);
    check(have_version == so.version, meta_path, ": data was generated with version = ", have_version,
          ", the config asks for ", so.version, "; remove the run folder or choose another --out");
  } else {
    stage("data", "generating the shapes benchmark");
    auto s = data::shapes::generate_shapes_dataset(so);
    std::fprintf(stderr, "demo: %lld records in %.1f s\n", (long long)s.records, s.seconds);
  }

  // 2. Tokenizer.
  const std::string tok_path = (fs::path(out) / "tokenizer.json").string();
  if (!fs::exists(tok_path)) {
    stage("tokenizer", "training byte-level BPE on the training questions and answers");
    make_tokenizer(data_dir, cfg["tokenizer"], tok_path);
  }
  std::fprintf(stderr, "demo: tokenizer %s (%lld tokens)\n", tok_path.c_str(),
               (long long)text::Tokenizer::from_file(tok_path).vocab_size());

  // Evaluates a model folder on the test split (cached in RUN/eval/NAME) and
  // returns its summary row.
  // `budget` is the arm's ArmBudget::to_json (demo_budget.h).
  auto evaluate = [&](const std::string& name, const std::string& model_dir, const json& train_summary,
                      const json& budget) {
    const std::string eval_dir = (fs::path(out) / "eval" / name).string();
    json results;
    if (fs::exists(fs::path(eval_dir) / "results.json")) {
      results = io::read_json_file((fs::path(eval_dir) / "results.json").string());
    } else {
      stage(name, "evaluating on the test split");
      eval::EvalRunSpec spec;
      spec.model_dir = model_dir;
      spec.data = data_dir;
      spec.split = "test";
      spec.out_dir = eval_dir;
      spec.options.batch_size = io::get_field<int64_t>(cfg["eval"], "batch_size", "demo config: eval");
      spec.options.max_new_tokens = io::get_field<int64_t>(cfg["eval"], "max_new_tokens", "demo config: eval");
      spec.options.label = "eval " + name;
      results = eval::run_eval(spec);
    }
    json m;
    m["overall"] = results["overall"]["accuracy"];
    m["macro"] = results["macro_accuracy"];
    m["categories"] = json::object();
    for (auto& [cat, c] : results["categories"].items()) m["categories"][cat] = c["accuracy"];
    m["parameters"] = train_summary["parameters"];
    m["train_seconds"] = train_summary["seconds"];
    m["train_tokens_per_second"] = train_summary["tokens_per_second"];
    m["eval_seconds"] = results["seconds"];
    m["steps"] = train_summary["steps"];
    m.update(budget);
    return m;
  };

  // 3-4. Train and evaluate each model.
  json summary = {{"seed", seed}, {"data", data_dir}, {"models", json::object()}};
  const int64_t n_train = count_records(data_dir + "/train.jsonl");
  json resolved_sft;  // by model name
  std::map<std::string, std::string> train_file;  // by model name
  for (const std::string& name : training_order(cfg["models"], "demo config")) {
    const json& mcfg = cfg["models"][name];
    const std::string where = "demo config: models." + name;
    const std::string run_dir = (fs::path(out) / name).string();
    const std::string vision_from = io::get_field<std::string>(mcfg, "vision_from", where);
    train_file[name] = io::get_field<bool>(mcfg, "describe", where) ? data_dir + "/train.jsonl"
                                                                     : write_question_only_split(data_dir);
    json sft = {{"out", run_dir},
                {"tokenizer", tok_path},
                {"model", {{"init", resolve_relative(io::get_field<std::string>(mcfg, "model", where), base)},
                           {"seed", seed},
                           {"vision_from", vision_from.empty() ? "" : (fs::path(out) / vision_from / "model").string()}}},
                {"data", {{"train", train_file[name]}, {"val", data_dir + "/val.jsonl"}}},
                {"trainable", mcfg["trainable"]},
                {"trainer", mcfg["trainer"]}};
    sft["trainer"]["seed"] = seed;
    json resolved = train::resolve_sft_config(sft, {}, where);
    resolved_sft[name] = resolved;
    stage(name, "SFT training");
    json train_summary = train::run_sft(resolved, /*resume=*/true);

    summary["models"][name] =
        evaluate(name, run_dir + "/model", train_summary, single_run_budget(resolved).to_json(n_train));
  }

  // 5. Distillation: three continuations of the student (baselines and VLsI).
  if (!cfg["distill"].empty()) {
    const std::string where = config_path.empty() ? "demo config: distill" : config_path + ": distill";
    check(summary["models"].contains("teacher") && summary["models"].contains("student"), where,
          ": needs models named 'teacher' and 'student'");
    const json student_train = summary["models"]["student"];
    DemoStudentSetup setup;
    setup.out = out;
    setup.teacher_dir = out + "/teacher/model";
    setup.student_dir = out + "/student/model";
    setup.data_dir = data_dir;
    setup.student_train = train_file["student"];
    setup.seed = seed;
    setup.student_records =
        train::TrainerConfig::from_json(resolved_sft["student"]["trainer"], where + ": student").records_read();
    for (const auto& run : run_demo_students(plan_demo_students(cfg["distill"], setup, where), n_train)) {
      json t = run.train;
      t["parameters"] = student_train["parameters"];
      summary["models"][run.name] = evaluate(run.name, run.model_dir, t, run.budget);
    }
  }
  summary["total_seconds_this_invocation"] = seconds_since(t_start);
  io::write_json_file((fs::path(out) / "summary.json").string(), summary);
  std::printf("%s", format_summary_table(summary).c_str());
  std::printf("summary: %s\n", (fs::path(out) / "summary.json").string().c_str());
  return summary;
}

std::string format_summary_table(const json& summary) {
  std::ostringstream os;
  std::vector<std::string> names;
  for (auto& [name, m] : summary["models"].items()) names.push_back(name);
  // Largest model first (the teacher), then the smaller ones.
  std::stable_sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return summary["models"][a]["parameters"].get<double>() > summary["models"][b]["parameters"].get<double>();
  });
  char buf[128];
  std::snprintf(buf, sizeof(buf), "\n%-14s", "category");
  os << buf;
  for (auto& n : names) { std::snprintf(buf, sizeof(buf), " %12s", n.c_str()); os << buf; }
  os << "\n";
  std::vector<std::string> cats;
  if (!names.empty())
    for (auto& [cat, v] : summary["models"][names[0]]["categories"].items()) cats.push_back(cat);
  auto row = [&](const std::string& label, auto value_of) {
    std::snprintf(buf, sizeof(buf), "%-14s", label.c_str());
    os << buf;
    for (auto& n : names) { os << value_of(summary["models"][n]); }
    os << "\n";
  };
  auto pct = [&](const json& v) { std::snprintf(buf, sizeof(buf), " %11.1f%%", 100.0 * v.get<double>()); return std::string(buf); };
  for (auto& c : cats) row(c, [&](const json& m) { return m["categories"].contains(c) ? pct(m["categories"][c]) : std::string("            -"); });
  row("overall", [&](const json& m) { return pct(m["overall"]); });
  row("parameters", [&](const json& m) { std::snprintf(buf, sizeof(buf), " %11.2fM", m["parameters"].get<double>() / 1e6); return std::string(buf); });
  row("train time", [&](const json& m) { std::snprintf(buf, sizeof(buf), " %11.0fs", m["train_seconds"].get<double>()); return std::string(buf); });
  // The budget rows (demo_budget.h); a summary.json from before they existed has none.
  auto count = [&](const char* field) {
    return [&, field](const json& m) {
      if (!m.contains(field)) return std::string("            -");
      std::snprintf(buf, sizeof(buf), " %12lld", (long long)m[field].get<int64_t>());
      return std::string(buf);
    };
  };
  row("backbone steps", count("backbone_steps"));
  row("records", count("distinct_records"));
  row("verbalizer st.", count("verbalizer_steps"));
  return os.str();
}

}  // namespace vlsi::cli
