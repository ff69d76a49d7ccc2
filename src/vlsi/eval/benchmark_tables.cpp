#include "vlsi/eval/benchmark_tables.h"

#include <cstdarg>
#include <cstdio>

namespace vlsi::eval {

namespace {

std::string line(const char* fmt, ...) {
  char buf[256];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  return std::string(buf) + "\n";
}

double pct(const nlohmann::json& v) { return 100.0 * v.get<double>(); }
long long count(const nlohmann::json& v) { return v.get<long long>(); }

std::string mcq_table(const nlohmann::json& s) {
  std::string out = line("circular accuracy (%%), %lld questions in %lld rows; every rotation right counts",
                         count(s["questions"]), count(s["rows"]));
  out += line("%-24s %8s %6s", "category", "acc", "n");
  for (auto& [name, c] : s["categories"].items())
    out += line("%-24s %8.2f %6lld", name.c_str(), pct(c["accuracy"]), count(c["total"]));
  if (s.contains("l2_categories"))
    for (auto& [name, c] : s["l2_categories"].items())
      out += line("%-24s %8.2f %6lld", ("[" + name + "]").c_str(), pct(c["accuracy"]), count(c["total"]));
  out += line("%-24s %8.2f %6lld", "Overall", pct(s["overall"]["accuracy"]), count(s["overall"]["total"]));
  out += line("%-24s %8.2f %6lld", "rows (no circular rule)", pct(s["row_accuracy"]), count(s["rows"]));
  return out;
}

std::string mme_table(const nlohmann::json& s) {
  std::string out = line("%-24s %8s %8s %8s %7s", "category", "acc", "acc+", "score", "images");
  for (auto& [name, c] : s["categories"].items())
    out += line("%-24s %8.2f %8.2f %8.2f %7lld", name.c_str(), pct(c["acc"]), pct(c["acc_plus"]),
                c["score"].get<double>(), count(c["images"]));
  out += line("%-24s %26.2f", "perception", s["perception"].get<double>());
  out += line("%-24s %26.2f", "cognition", s["cognition"].get<double>());
  return out;
}

std::string pope_table(const nlohmann::json& s) {
  std::string out = line("%-14s %8s %9s %8s %8s %9s %6s", "split", "acc", "precision", "recall", "F1", "yes-ratio", "n");
  auto row = [&out](const std::string& name, const nlohmann::json& c) {
    out += line("%-14s %8.2f %9.2f %8.2f %8.2f %9.2f %6lld", name.c_str(), pct(c["accuracy"]), pct(c["precision"]),
                pct(c["recall"]), pct(c["f1"]), pct(c["yes_ratio"]), count(c["total"]));
  };
  row("Overall", s["overall"]);
  for (auto& [name, c] : s["splits"].items()) row(name, c);
  return out;
}

}  // namespace

std::string format_benchmark_table(const nlohmann::json& results) {
  const std::string kind = results.value("kind", "");
  if (kind == "mcq") return mcq_table(results);
  if (kind == "yorn") return mme_table(results);
  return pope_table(results);
}

}  // namespace vlsi::eval
