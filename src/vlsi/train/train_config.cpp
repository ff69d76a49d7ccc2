#include "vlsi/train/train_config.h"

#include "vlsi/io/json_util.h"

namespace vlsi::train {

const io::FieldTable<TrainerConfig>& TrainerConfig::fields() {
  using C = TrainerConfig;
  static const auto table = io::FieldTable<C>()
                                .field("max_steps", &C::max_steps)
                                .field("batch_size", &C::batch_size)
                                .field("grad_accum", &C::grad_accum)
                                .field("lr", &C::lr)
                                .field("min_lr", &C::min_lr)
                                .field("warmup_steps", &C::warmup_steps)
                                .field("weight_decay", &C::weight_decay)
                                .field("beta1", &C::beta1)
                                .field("beta2", &C::beta2)
                                .field("eps", &C::eps)
                                .field("grad_clip", &C::grad_clip)
                                .field("log_every", &C::log_every)
                                .field("val_every", &C::val_every)
                                .field("val_batches", &C::val_batches)
                                .field("ckpt_every", &C::ckpt_every)
                                .field("keep_checkpoints", &C::keep_checkpoints)
                                .field("seed", &C::seed)
                                .field("threads", &C::threads);
  return table;
}

nlohmann::json TrainerConfig::defaults_json() { return fields().to_json(TrainerConfig{}); }

nlohmann::json TrainerConfig::to_json() const { return fields().to_json(*this); }

TrainerConfig TrainerConfig::from_json(const nlohmann::json& in, const std::string& where) {
  TrainerConfig c = fields().from_json(in, where);
  c.validate(where);
  return c;
}

void TrainerConfig::validate(const std::string& where) const {
  const TrainerConfig& c = *this;
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
}

}  // namespace vlsi::train
