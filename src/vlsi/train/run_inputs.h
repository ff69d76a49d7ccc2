#pragma once
// The files and folders a run config reads, checked before its run folder is
// created: a missing data file, tokenizer or model folder is refused with one
// line naming the field, and leaves no run folder (config.json) behind.
#include <nlohmann/json.hpp>
#include <string>

namespace vlsi::train {

// Checks every input field present and non-empty in `cfg` (any run config:
// SFT, a VLsI step, KD, the recipe, an ablation recipe): data.train and
// data.val (readable regular files), data.images (a folder), tokenizer and
// model.init (files), model.from, model, teacher.model and student.model
// (model folders with a config.json). Outputs of earlier stages
// (verbalizers, adapters) are not checked: they may not exist yet.
void check_run_inputs(const nlohmann::json& cfg, const std::string& where);

}  // namespace vlsi::train
