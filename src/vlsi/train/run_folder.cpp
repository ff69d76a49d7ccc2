#include "vlsi/train/run_folder.h"

#include <cstdio>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/train/checkpoint.h"

namespace vlsi::train {

std::optional<nlohmann::json> open_run_folder(const std::string& out, const nlohmann::json& config, bool resume,
                                              const std::string& label) {
  const std::string summary_path = out + "/summary.json";
  if (io::file_exists(summary_path)) {
    std::fprintf(stderr, "[%s] %s is complete (summary.json exists); nothing to do\n", label.c_str(), out.c_str());
    return io::read_json_file(summary_path);
  }
  bool has_checkpoints = !CheckpointManager(out, 1).list().empty();
  check(resume || !has_checkpoints, out,
        ": run folder already has checkpoints; pass --resume to continue it or choose another --out");
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

void finish_run_folder(const std::string& out, const nlohmann::json& summary) {
  io::write_json_file(out + "/summary.json", summary);
}

}  // namespace vlsi::train
