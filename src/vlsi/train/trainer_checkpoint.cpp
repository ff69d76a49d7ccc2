// Trainer's checkpoint writing and resuming (trainer.h): what a checkpoint
// holds, how a failed write leaves the previous one intact, and how a damaged
// newest checkpoint gives way to the one before it.
#include <ATen/CPUGeneratorImpl.h>

#include <cstdio>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/kill_point.h"
#include "vlsi/train/checkpoint.h"
#include "vlsi/train/checkpoint_manifest.h"
#include "vlsi/train/torch_file.h"
#include "vlsi/train/trainer.h"

namespace vlsi::train {

namespace {

const char* const kMasterWeightsFile = "master_weights.pt";  // beside optimizer.pt; only for bfloat16 parameters
const char* const kTrainerStateFile = "trainer_state.json";

// The step a checkpoint's trainer_state.json records; it must be the folder's and within this run.
void check_trainer_state(const std::string& dir, int64_t step, int64_t max_steps) {
  const std::string path = io::join_path(dir, kTrainerStateFile);
  nlohmann::json state = io::read_json_file(path);
  const int64_t recorded = io::get_field<int64_t>(state, "step", path);
  check(recorded == step, path, ": field 'step' is ", recorded, " but the folder is step ", step);
  check(step >= 1 && step <= max_steps, path, ": step ", step, " is outside this run's 1..", max_steps,
        " (trainer.max_steps)");
}

}  // namespace

void Trainer::save_checkpoint(TrainTask& task, torch::optim::Optimizer& opt, const MasterWeights& master,
                              const BatchStream& data, int64_t step) const {
  CheckpointManager ckpts(run_dir_, cfg_.keep_checkpoints);
  const std::string tmp = ckpts.begin(step);
  try {
    task.save(io::join_path(tmp, "model"));
    io::kill_point(label_, "checkpoint-write");  // test-only: a half-written checkpoint folder
    save_torch_file(io::join_path(tmp, "optimizer.pt"), [&](const TorchWriter& w) { torch::save(opt, w); });
    if (master.active()) master.save(io::join_path(tmp, kMasterWeightsFile));
    torch::Tensor rng = at::detail::getDefaultCPUGenerator().get_state();
    save_torch_file(io::join_path(tmp, "rng.pt"), [&](const TorchWriter& w) { torch::save(rng, w); });
    // Each GPU's generator too (dropout, sampled matching on CUDA), when this process sees GPUs.
    std::vector<torch::Tensor> cuda_rng;
    for (int64_t i = 0; i < int64_t(torch::cuda::device_count()); ++i)
      cuda_rng.push_back(at::globalContext().defaultGenerator(torch::Device(torch::kCUDA, c10::DeviceIndex(i))).get_state());
    if (!cuda_rng.empty())
      save_torch_file(io::join_path(tmp, "cuda_rng.pt"), [&](const TorchWriter& w) { torch::save(cuda_rng, w); });
    nlohmann::json state = {{"step", step}, {"seed", cfg_.seed}, {"data", data.state ? data.state() : nlohmann::json()}};
    io::write_json_file(io::join_path(tmp, kTrainerStateFile), state);
    write_checkpoint_manifest(tmp, step);
    io::kill_point(label_, "checkpoint-commit");  // test-only: complete, not yet renamed into place
  } catch (const std::exception& e) {
    ckpts.discard(tmp);  // frees the space a full disk needs back
    auto previous = ckpts.latest();
    fail(ckpts.path_of(step), ": cannot write checkpoint: ", error_line(e),
         "; ", previous ? "the previous checkpoint " + *previous + " is intact" : std::string("no earlier checkpoint"),
         " (free space, then rerun with --resume)");
  }
  ckpts.commit(step, tmp);
}

int64_t Trainer::restore_checkpoint(TrainTask& task, torch::optim::Optimizer& opt, MasterWeights& master,
                                    BatchStream& data) const {
  CheckpointManager ckpts(run_dir_, cfg_.keep_checkpoints);
  const auto all = ckpts.list();
  std::string rejected;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    const std::string& dir = *it;
    const int64_t step = CheckpointManager::step_of(dir);
    try {
      verify_checkpoint_manifest(dir, step);
      check_trainer_state(dir, step, cfg_.max_steps);
    } catch (const Error& e) {
      std::fprintf(stderr, "[%s] warning: checkpoint %s is unusable: %s; trying the one before it\n", label_.c_str(),
                   dir.c_str(), e.what());
      rejected += (rejected.empty() ? "" : "; ") + std::string(e.what());
      continue;
    }
    // Verified: a failure from here on is not damage but a checkpoint of another run, so it is an error.
    task.load(io::join_path(dir, "model"));
    // The model folder holds the rounded weights; the float32 masters continue exactly
    // (a checkpoint without them, e.g. of a float32 run, continues from the rounded ones).
    master.copy_from_model();
    const std::string master_path = io::join_path(dir, kMasterWeightsFile);
    if (master.active() && io::file_exists(master_path)) master.load(master_path);
    const std::string opt_path = io::join_path(dir, "optimizer.pt");
    load_torch_file(opt_path, [&] { torch::load(opt, opt_path); });
    torch::Tensor rng;
    const std::string rng_path = io::join_path(dir, "rng.pt");
    load_torch_file(rng_path, [&] { torch::load(rng, rng_path); });
    auto gen = at::detail::getDefaultCPUGenerator();
    gen.set_state(rng);
    // GPU generators: restored where the same GPUs are seen; a run moved to a machine
    // with other GPUs (or none) continues with fresh CUDA generators.
    const std::string cuda_rng_path = io::join_path(dir, "cuda_rng.pt");
    if (io::file_exists(cuda_rng_path) && torch::cuda::device_count() > 0) {
      std::vector<torch::Tensor> cuda_rng;
      load_torch_file(cuda_rng_path, [&] { torch::load(cuda_rng, cuda_rng_path); });
      if (int64_t(cuda_rng.size()) == int64_t(torch::cuda::device_count()))
        for (size_t i = 0; i < cuda_rng.size(); ++i)
        {
          at::Generator gen = at::globalContext().defaultGenerator(torch::Device(torch::kCUDA, c10::DeviceIndex(i)));
          gen.set_state(cuda_rng[i]);
        }
    }
    const std::string state_path = io::join_path(dir, kTrainerStateFile);
    nlohmann::json state = io::read_json_file(state_path);
    if (data.restore && state.contains("data") && !state["data"].is_null()) data.restore(state["data"]);
    return step;
  }
  check(all.empty(), ckpts.root(), ": no usable checkpoint (", rejected,
        "); move the run folder away to start over");
  return -1;
}

}  // namespace vlsi::train
