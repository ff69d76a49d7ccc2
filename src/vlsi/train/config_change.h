#pragma once
// What a resumed run compares: the resolved config it was started with
// (RUN/config.json) against the one it is resumed with. Any difference that can
// change what is trained (learning rate, seed, steps, batch size, data files,
// model, loss, ...) refuses the resume unless forced. Exempt, because they
// change neither the trained weights nor the logged metrics' meaning (resuming
// on another machine or from another working folder is legitimate):
//   out, and at any depth trainer.log_every, trainer.threads, trainer.ckpt_every,
//   trainer.keep_checkpoints, data.prefetch.
// Nor is a field added to vlsi after the run started (absent from its config.json)
// when the resumed config holds the value that behaves as before the field
// existed (later_fields()): a run started by an older vlsi resumes.
// (trainer.threads can change floating-point summation order, so bit-identical
// resumes need the same thread count; the default 0 means "every core" anyway.)
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace vlsi::train {

// Fields that differ, as "trainer.lr (0.001 -> 0.0003)", in key order; exempt fields left out.
std::vector<std::string> changed_config_fields(const nlohmann::json& started, const nlohmann::json& resumed);

// The exempt fields above, as dotted paths (matched as a whole path or its tail).
const std::vector<std::string>& resume_exempt_fields();

// Fields added after runs existed, with the value that behaves as before: data.train_records and
// data.train_records_from 0, a distill stage's data block of nulls (train/run_data.h).
const std::vector<std::pair<std::string, nlohmann::json>>& later_fields();

// `config` without the later fields that hold their old behaviour: what an older
// vlsi resolved, for names derived from a config's text (a shared run's folder hash).
nlohmann::json without_later_fields_at_old_behaviour(nlohmann::json config);

}  // namespace vlsi::train
