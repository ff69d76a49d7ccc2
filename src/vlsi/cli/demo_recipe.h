#pragma once
// The main job (`vlsi demo`): generate the built-in benchmark, train its
// tokenizer, train a teacher and a student of the same family with SFT,
// evaluate both, print a table per category and write RUN/summary.json.
// Every stage leaves a completion marker, so a rerun skips finished stages
// and a killed training stage resumes from its newest checkpoint.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vlsi::cli {

nlohmann::json demo_defaults();

// Relative paths inside the config file (model configs) are taken relative to
// the config file's folder.
nlohmann::json run_demo(const std::string& config_path, const std::vector<std::string>& overrides,
                        const std::string& out_override);

// Formats summary.json's table: accuracy per category x model, then each model's parameters,
// training time and budget (demo_budget.h: backbone steps, distinct records, verbalizer steps).
std::string format_summary_table(const nlohmann::json& summary);

}  // namespace vlsi::cli
