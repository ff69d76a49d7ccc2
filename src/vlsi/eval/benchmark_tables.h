#pragma once
// The scores of a VLMEvalKit-format benchmark as the papers print them, in
// percent: MMBench overall and per category (circular), MME acc / acc+ /
// score per category with the perception and cognition sums, POPE accuracy,
// precision, recall, F1 and yes-ratio per split.
#include <nlohmann/json.hpp>
#include <string>

namespace vlsi::eval {

// `results`: run_tsv_eval's results.json ("kind": "mcq" | "yorn" | "pope").
std::string format_benchmark_table(const nlohmann::json& results);

}  // namespace vlsi::eval
