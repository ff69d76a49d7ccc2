#include "vlsi/train/train_config.h"

#include "vlsi/io/json_util.h"

namespace vlsi::train {

nlohmann::json TrainerConfig::defaults_json() { return TrainerConfig{}.to_json(); }

nlohmann::json TrainerConfig::to_json() const {
  return {{"max_steps", max_steps},       {"batch_size", batch_size},   {"grad_accum", grad_accum},
          {"lr", lr},                     {"min_lr", min_lr},           {"warmup_steps", warmup_steps},
          {"weight_decay", weight_decay}, {"beta1", beta1},             {"beta2", beta2},
          {"eps", eps},                   {"grad_clip", grad_clip},     {"log_every", log_every},
          {"val_every", val_every},       {"val_batches", val_batches}, {"ckpt_every", ckpt_every},
          {"keep_checkpoints", keep_checkpoints}, {"seed", seed},       {"threads", threads}};
}

TrainerConfig TrainerConfig::from_json(const nlohmann::json& in, const std::string& where) {
  nlohmann::json j = io::merge_with_defaults(defaults_json(), in, where);
  TrainerConfig c;
  c.max_steps = io::get_field<int64_t>(j, "max_steps", where);
  c.batch_size = io::get_field<int64_t>(j, "batch_size", where);
  c.grad_accum = io::get_field<int64_t>(j, "grad_accum", where);
  c.lr = io::get_field<double>(j, "lr", where);
  c.min_lr = io::get_field<double>(j, "min_lr", where);
  c.warmup_steps = io::get_field<int64_t>(j, "warmup_steps", where);
  c.weight_decay = io::get_field<double>(j, "weight_decay", where);
  c.beta1 = io::get_field<double>(j, "beta1", where);
  c.beta2 = io::get_field<double>(j, "beta2", where);
  c.eps = io::get_field<double>(j, "eps", where);
  c.grad_clip = io::get_field<double>(j, "grad_clip", where);
  c.log_every = io::get_field<int64_t>(j, "log_every", where);
  c.val_every = io::get_field<int64_t>(j, "val_every", where);
  c.val_batches = io::get_field<int64_t>(j, "val_batches", where);
  c.ckpt_every = io::get_field<int64_t>(j, "ckpt_every", where);
  c.keep_checkpoints = io::get_field<int64_t>(j, "keep_checkpoints", where);
  c.seed = io::get_field<uint64_t>(j, "seed", where);
  c.threads = io::get_field<int64_t>(j, "threads", where);
  check(c.max_steps > 0, where, ": field 'max_steps': expected > 0");
  check(c.batch_size > 0, where, ": field 'batch_size': expected > 0");
  check(c.grad_accum > 0, where, ": field 'grad_accum': expected > 0");
  check(c.lr > 0 && c.min_lr >= 0 && c.min_lr <= c.lr, where, ": fields 'lr'/'min_lr': expected 0 <= min_lr <= lr, lr > 0");
  check(c.warmup_steps >= 0 && c.warmup_steps < c.max_steps, where, ": field 'warmup_steps': expected 0 <= warmup_steps < max_steps");
  check(c.keep_checkpoints >= 2, where,
        ": field 'keep_checkpoints': expected >= 2 (the one before the newest is the fallback when it is damaged)");
  // AdamW's moment decays must lie in [0, 1): beta1 = 1 never updates the first
  // moment, beta > 1 diverges; a zero eps divides by zero on untouched weights.
  check(c.beta1 >= 0 && c.beta1 < 1, where, ": field 'beta1': expected 0 <= beta1 < 1, got ", c.beta1);
  check(c.beta2 >= 0 && c.beta2 < 1, where, ": field 'beta2': expected 0 <= beta2 < 1, got ", c.beta2);
  check(c.eps > 0, where, ": field 'eps': expected > 0, got ", c.eps);
  check(c.weight_decay >= 0, where, ": field 'weight_decay': expected >= 0, got ", c.weight_decay);
  for (const auto& [name, v] : {std::pair{"log_every", c.log_every}, std::pair{"val_every", c.val_every},
                                std::pair{"val_batches", c.val_batches}, std::pair{"ckpt_every", c.ckpt_every},
                                std::pair{"threads", c.threads}})
    check(v >= 0, where, ": field '", name, "': expected >= 0, got ", v);
  return c;
}

}  // namespace vlsi::train
