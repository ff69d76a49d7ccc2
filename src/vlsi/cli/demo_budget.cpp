#include "vlsi/cli/demo_budget.h"

#include "vlsi/io/json_util.h"
#include "vlsi/train/train_config.h"

namespace vlsi::cli {
using io::json;

namespace {

struct StageReads {
  int64_t steps = 0;
  data::RecordRange range;
};

StageReads reads_of(const json& cfg, const std::string& where) {
  auto tc = train::TrainerConfig::from_json(cfg.at("trainer"), where + ": trainer");
  return {tc.max_steps, {io::get_field<int64_t>(cfg.at("data"), "record_offset", where + ": data"), tc.records_read()}};
}

}  // namespace

json ArmBudget::to_json(int64_t n_records) const {
  return {{"backbone_steps", backbone_steps},
          {"verbalizer_steps", verbalizer_steps},
          {"distinct_records", data::distinct_records(backbone_reads, n_records)}};
}

ArmBudget single_run_budget(const json& run_cfg) {
  StageReads r = reads_of(run_cfg, "training run");
  ArmBudget b;
  b.backbone_steps = r.steps;
  b.backbone_reads.push_back(r.range);
  return b;
}

ArmBudget vlsi_budget(const json& stage_cfgs) {
  ArmBudget b;
  if (stage_cfgs.contains("verbalize_student"))
    b.verbalizer_steps = reads_of(stage_cfgs["verbalize_student"], "stages.verbalize_student").steps;
  for (const char* stage : {"interact", "reinforce"}) {
    if (!stage_cfgs.contains(stage)) continue;
    StageReads r = reads_of(stage_cfgs[stage], std::string("stages.") + stage);
    b.backbone_steps += r.steps;
    b.backbone_reads.push_back(r.range);
  }
  return b;
}

}  // namespace vlsi::cli
