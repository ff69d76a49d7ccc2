#include "vlsi/train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "vlsi/dist/gradient_sync.h"
#include "vlsi/dist/weighted_mean.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/kill_point.h"
#include "vlsi/train/fused_adamw.h"
#include "vlsi/train/lr_schedule.h"
#include "vlsi/train/metrics_log.h"
#include "vlsi/train/progress.h"

namespace vlsi::train {

void set_compute_threads(int64_t threads) {
  // libtorch's default here can be 1 thread; 0 means "every core" (shared by this machine's processes of a job).
  const int64_t local_processes = dist::ProcessGroup::current().env().local_world_size;
  int n = threads > 0 ? int(threads)
                      : int(std::max<int64_t>(1, int64_t(std::thread::hardware_concurrency()) / local_processes));
  if (torch::get_num_threads() != n) torch::set_num_threads(n);
}

namespace {

void set_lr(torch::optim::Optimizer& opt, double lr) {
  for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

}  // namespace

Trainer::Trainer(TrainerConfig cfg, std::string run_dir, std::string label)
    : cfg_(std::move(cfg)), run_dir_(std::move(run_dir)), label_(std::move(label)) {}

TrainResult Trainer::run(TrainTask& task, BatchStream& data, bool resume) {
  set_compute_threads(cfg_.threads);
  torch::manual_seed(cfg_.seed);
  // Data parallel: every rank trains, rank 0 alone writes (metrics, checkpoints, progress).
  dist::ProcessGroup& group = dist::ProcessGroup::current();
  const bool main_rank = group.is_main();
  if (main_rank) io::make_dirs(run_dir_);
  const MetricsLog metrics(io::join_path(run_dir_, "metrics.jsonl"), label_);

  MasterWeights master(task.trainable_parameters());
  const auto& params = master.optimizer_params();  // float32 copies of bfloat16 parameters
  auto opt = make_adamw(params, cfg_);  // decay on matrices only
  // Buckets start their all-reduce during the last backward of each step; float32 copies of
  // bfloat16 parameters get their gradients only after it, so those buckets wait for its end.
  dist::GradientSync grad_sync(params, group, /*overlap=*/!master.active());
  LrSchedule sched{cfg_.lr, cfg_.min_lr, cfg_.warmup_steps, cfg_.max_steps};

  TrainResult result;
  int64_t start = 0;
  if (resume) {
    int64_t done = restore_checkpoint(task, *opt, master, data);
    if (done >= 0) {
      start = done;
      result.resumed_from = done;
      if (main_rank)
        std::fprintf(stderr, "[%s] resumed from checkpoint at step %lld\n", label_.c_str(), static_cast<long long>(done));
    }
  }
  // Every rank starts from rank 0's trainable weights, as DistributedDataParallel does.
  if (group.world_size() > 1) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> values;
    for (const auto& p : params) values.push_back(p.detach().to(group.collective_device()).contiguous());
    group.broadcast_from_main(values, "initial weights");
    for (size_t i = 0; i < params.size(); ++i) params[i].detach().copy_(values[i]);
    master.copy_to_model();
  }
  // Steps after `start` are replayed: their records go, and the loss window and
  // last validation are rebuilt as the uninterrupted run had them at `start`.
  LossWindow window{std::max<int64_t>(1, cfg_.log_every), cfg_.max_steps};
  for (const auto& rec : main_rank ? metrics.restart_at(start) : std::vector<nlohmann::json>{}) {
    if (rec.value("split", "") == "val") result.last_validation = rec;
    if (rec.value("split", "") == "train" && rec.contains("loss") && rec["loss"].is_number())
      window.add(rec["step"].get<int64_t>(), rec["loss"].get<double>());
  }
  if (main_rank)
    std::fprintf(stderr, "[%s] seed %llu, %lld steps x %lld samples x %lld accumulation, %zu trainable tensors%s\n",
                 label_.c_str(), static_cast<unsigned long long>(cfg_.seed), static_cast<long long>(cfg_.max_steps),
                 static_cast<long long>(cfg_.batch_size), static_cast<long long>(cfg_.grad_accum), params.size(),
                 group.world_size() > 1
                     ? (", " + std::to_string(group.world_size()) + " processes sharing each batch").c_str()
                     : "");

  ProgressLine progress(label_, cfg_.max_steps, cfg_.log_every, main_rank);
  progress.start(start);
  task.set_training(true);
  for (int64_t step = start; step < cfg_.max_steps; ++step) {
    double lr = sched.at(step);
    set_lr(*opt, lr);
    release_grads(*opt);
    double loss_sum = 0.0;
    int64_t tokens = 0;
    std::map<std::string, double> metric_sums;
    nlohmann::json events = nlohmann::json::array();
    double t_data = 0, t_fwd = 0, t_bwd = 0;
    auto now = [] { return std::chrono::steady_clock::now(); };
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    for (int64_t micro = 0; micro < cfg_.grad_accum; ++micro) {
      auto t0 = now();
      data::Batch batch = data.next();
      auto t1 = now();
      LossOutput out = task.compute_loss(batch);
      auto t2 = now();
      double lv = out.loss.item<double>();
      torch::Tensor scaled = out.loss / double(cfg_.grad_accum);
      if (group.world_size() > 1) {
        // The global batch's loss is the ranks' losses weighted by their answer tokens;
        // each rank's gradient carries its share, and the gradient sum below adds them up.
        check(out.weight > 0, label_, ": step ", step + 1, ": the batch's loss averages over nothing (weight ",
              out.weight, ")");
        std::vector<double> local = {lv, double(out.tokens) / out.weight};  // the second sums to the global tokens
        for (auto& [k, v] : out.metrics) local.push_back(v);
        auto global = dist::weighted_mean_over_ranks(local, out.weight, group, "loss of step " + std::to_string(step + 1));
        lv = global.values[0];
        out.tokens = std::llround(global.values[1] * global.total_weight);
        size_t i = 2;
        for (auto& [k, v] : out.metrics) v = global.values[i++];
        scaled = out.loss * (out.weight / global.total_weight / double(cfg_.grad_accum));
      }
      check(std::isfinite(lv), label_, ": step ", step + 1, ": loss is ", lv,
            " (not finite); stopping. The newest checkpoint in ", run_dir_, "/checkpoints is intact; lower the "
            "learning rate or check the data, then rerun with --resume");
      if (micro + 1 == cfg_.grad_accum) grad_sync.begin_step();
      scaled.backward();
      master.accumulate_grads();
      if (micro + 1 == cfg_.grad_accum) io::kill_point(label_, "step");  // test-only: gradients, no update yet
      t_data += ms(t0, t1);
      t_fwd += ms(t1, t2);
      t_bwd += ms(t2, now());
      loss_sum += lv;
      tokens += out.tokens;
      for (auto& [k, v] : out.metrics) metric_sums[k] += v;
      if (!out.events.is_null()) events.push_back(out.events);
    }
    auto t_opt0 = now();
    grad_sync.finish_step();
    double grad_norm = 0.0;
    if (cfg_.grad_clip > 0) grad_norm = torch::nn::utils::clip_grad_norm_(params, cfg_.grad_clip);
    opt->step();
    master.copy_to_model();
    double t_opt = ms(t_opt0, now());

    double loss = loss_sum / double(cfg_.grad_accum);
    window.add(step + 1, loss);
    nlohmann::json rec = {{"split", "train"}, {"step", step + 1}, {"loss", loss}, {"lr", lr},
                          {"grad_norm", grad_norm}, {"tokens", tokens},
                          {"ms", {{"data", t_data}, {"forward", t_fwd}, {"backward", t_bwd}, {"optimizer", t_opt}}}};
    for (auto& [k, v] : metric_sums) rec[k] = v / double(cfg_.grad_accum);
    if (!events.empty()) rec["events"] = events;
    progress.update(step, "loss " + fmt("%.4f", loss) + " | lr " + fmt("%.2e", lr), tokens);
    rec["tokens_per_s"] = progress.tokens_per_second();
    if (main_rank) metrics.append(rec);

    bool last = step + 1 == cfg_.max_steps;
    if (main_rank && validate_ && ((cfg_.val_every > 0 && (step + 1) % cfg_.val_every == 0) || last)) {
      task.set_training(false);
      nlohmann::json val = validate_();
      io::kill_point(label_, "validation");  // test-only: in eval mode, the record not yet logged
      task.set_training(true);
      val["split"] = "val";
      val["step"] = step + 1;
      metrics.append(val);
      result.last_validation = val;
    }
    if (main_rank && ((cfg_.ckpt_every > 0 && (step + 1) % cfg_.ckpt_every == 0) || last))
      save_checkpoint(task, *opt, master, data, step + 1);
  }
  task.set_training(false);
  result.final_loss = window.last_mean;
  result.steps_done = cfg_.max_steps;
  result.tokens_per_second = progress.tokens_per_second();
  result.seconds = progress.elapsed_seconds();
  progress.finish("done: " + std::to_string(cfg_.max_steps) + " steps, final loss " + fmt("%.4f", result.final_loss));
  return result;
}

}  // namespace vlsi::train
