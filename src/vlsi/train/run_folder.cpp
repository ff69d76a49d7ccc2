#include "vlsi/train/run_folder.h"

#include <cstdio>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/kill_point.h"
#include "vlsi/train/checkpoint.h"
#include "vlsi/train/config_change.h"
#include "vlsi/train/run_inputs.h"

namespace vlsi::train {

void check_resumed_config(const std::string& config_path, const nlohmann::json& config, bool force,
                          const std::string& label) {
  if (!io::file_exists(config_path)) return;
  auto changed = changed_config_fields(io::read_json_file(config_path), config);
  if (changed.empty()) return;
  std::string list;
  for (const auto& c : changed) list += (list.empty() ? "" : ", ") + c;
  check(force, config_path, ": the run was started with another config; changed: ", list,
        ". Resume with the same config, or pass --force to continue with the new one");
  std::fprintf(stderr, "[%s] warning: --force: continuing the run with a changed config: %s\n", label.c_str(),
               list.c_str());
}

std::optional<nlohmann::json> open_run_folder(const std::string& out, const nlohmann::json& config, bool resume,
                                              const std::string& label, bool force) {
  const std::string summary_path = out + "/summary.json";
  if (io::file_exists(summary_path)) {
    std::fprintf(stderr, "[%s] %s is complete (summary.json exists); nothing to do\n", label.c_str(), out.c_str());
    return io::read_json_file(summary_path);
  }
  bool has_checkpoints = !CheckpointManager(out, 1).list().empty();
  check(resume || !has_checkpoints, out,
        ": run folder already has checkpoints; pass --resume to continue it or choose another --out");
  if (has_checkpoints) check_resumed_config(out + "/config.json", config, force, label);
  check_run_inputs(config, label + " config");
  io::make_dirs(out);
  io::write_json_file(out + "/config.json", config);
  return std::nullopt;
}

nlohmann::json train_result_summary(const TrainResult& r, uint64_t seed) {
  nlohmann::json j = {{"steps", r.steps_done},       {"resumed_from", r.resumed_from},
                      {"final_train_loss", r.final_loss}, {"tokens_per_second", r.tokens_per_second},
                      {"seconds", r.seconds},        {"seed", seed}};
  if (!r.last_validation.is_null()) j["final_validation"] = r.last_validation;
  return j;
}

void finish_run_folder(const std::string& out, const nlohmann::json& summary, const std::string& label) {
  io::kill_point(label, "summary-write");  // test-only: the final outputs are written, the summary not
  io::write_json_file(out + "/summary.json", summary);
}

}  // namespace vlsi::train
