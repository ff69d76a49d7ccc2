#include "vlsi/train/training_run.h"

#include "vlsi/dist/process_group.h"
#include "vlsi/io/json_util.h"
#include "vlsi/train/run_folder.h"

namespace vlsi::train {

nlohmann::json run_training(const nlohmann::json& cfg, bool resume, bool force, const std::string& label,
                            const TrainingRunFactory& make_run) {
  const std::string where = label + " config";
  const std::string out = io::get_field<std::string>(cfg, "out", where);
  if (auto done = open_run_folder(out, cfg, resume, label, force)) return *done;

  const TrainerConfig tc = TrainerConfig::from_json(cfg["trainer"], where + ": trainer");
  set_compute_threads(tc.threads);
  std::unique_ptr<TrainingRun> run = make_run(tc);

  Trainer trainer(tc, out, label);
  if (auto validate = run->validation()) trainer.set_validation(std::move(validate));
  BatchStream stream = run->data().stream();
  TrainResult result = trainer.run(run->task(), stream, resume);
  run->data().report_skipped();
  if (!dist::ProcessGroup::current().is_main()) return summary_from_main(out);  // rank 0 writes the outputs

  nlohmann::json summary = train_result_summary(result, tc.seed);
  run->write_outputs(result, summary);
  finish_run_folder(out, summary, label);
  return summary;
}

}  // namespace vlsi::train
