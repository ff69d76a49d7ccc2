#include "vlsi/train/run_folder.h"

#include <cstdio>

#include "vlsi/dist/process_group.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/kill_point.h"
#include "vlsi/model/compute_dtype.h"
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

namespace {

std::optional<nlohmann::json> open_on_main(const std::string& out, const nlohmann::json& config, bool resume,
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

}  // namespace

std::optional<nlohmann::json> open_run_folder(const std::string& out, const nlohmann::json& config, bool resume,
                                              const std::string& label, bool force) {
  const std::string device = config.contains("device") && config["device"].is_string() ? config["device"] : "cpu";
  dist::ProcessGroup& group = dist::ProcessGroup::join(model::device_from_name(device, label + " config: field 'device'"));
  if (group.is_main()) {
    auto done = open_on_main(out, config, resume, label, force);
    group.barrier("opening " + out);
    return done;
  }
  group.barrier("opening " + out);  // rank 0 checks and writes; the others follow its verdict
  const std::string summary_path = out + "/summary.json";
  if (io::file_exists(summary_path)) return io::read_json_file(summary_path);
  return std::nullopt;
}

nlohmann::json summary_from_main(const std::string& out) {
  dist::ProcessGroup::current().barrier("waiting for rank 0 to write " + out);
  return io::read_json_file(out + "/summary.json");
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
  dist::ProcessGroup::current().barrier("finishing " + out);  // the other ranks wait for it (summary_from_main)
}

}  // namespace vlsi::train
