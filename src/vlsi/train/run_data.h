#pragma once
// The data side of a config-driven training run (SFT and every VLsI step): the
// "data" config block, the training loader as a resumable BatchStream, and a
// fixed list of validation batches.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vlsi/data/loader.h"
#include "vlsi/model/vision_processor.h"
#include "vlsi/text/tokenizer.h"
#include "vlsi/train/train_config.h"
#include "vlsi/train/trainer.h"

namespace vlsi::train {

// {"train", "val", "images", "max_length", "bad_records", "system_prompt", "prefetch", "record_offset",
// "train_records_from", "train_records"}
// with defaults.
nlohmann::json data_defaults();
// The same fields, each null: a distill stage's own "data" block, where null means "as the recipe's".
nlohmann::json stage_data_defaults();
// Checks a resolved "data" block without reading any file (one line naming the field).
void validate_data_config(const nlohmann::json& data_cfg, const std::string& where);

// How a teacher of another family reads the same records: its own tokenizer,
// processor and chat template (data::Batch::teacher_view).
struct TeacherInputs {
  text::Tokenizer tokenizer;
  std::shared_ptr<const model::VisionProcessor> processor;
  std::shared_ptr<const text::jinja::ChatTemplate> chat_template;
  nlohmann::json template_variables = nlohmann::json::object();
};

class RunData {
 public:
  // `data_cfg` is a resolved "data" block; images go through the model's
  // `processor` (pixels, image-token counts). Batch size, seed and validation
  // batch count come from `tc`.
  // `chat_template` (a model folder's own, with `template_variables`) renders
  // the chats when given; otherwise the built-in ChatML.
  RunData(const nlohmann::json& data_cfg, const text::Tokenizer& tok,
          std::shared_ptr<const model::VisionProcessor> processor, const TrainerConfig& tc, const std::string& where,
          std::shared_ptr<const text::jinja::ChatTemplate> chat_template = nullptr,
          const nlohmann::json& template_variables = nlohmann::json::object(),
          const TeacherInputs* teacher = nullptr);

  // next/state/restore over the training loader (the order resumes exactly).
  BatchStream stream();
  // Validation batches (empty without data.val).
  const std::vector<data::Batch>& val_batches() const { return val_; }
  // Prints the loader's skipped-sample summary, if any.
  void report_skipped() const;

 private:
  std::unique_ptr<data::DataLoader> train_;
  std::vector<data::Batch> val_;
};

}  // namespace vlsi::train
