#pragma once
// `vlsi eval` on a VLMEvalKit benchmark TSV: the model answers every row's
// prompt (as VLMEvalKit builds it, image first), the answers are extracted
// and scored by the benchmark's rule (circular MCQ, MME acc/acc+, POPE), and
// the run folder gets predictions.tsv (the input's columns except the image
// data, plus prediction, extracted, correct: VLMEvalKit's result file) and
// results.json (the scores, "kind", "model", "data").
#include <nlohmann/json.hpp>

#include "vlsi/eval/eval_run.h"

namespace vlsi::eval {

nlohmann::json run_tsv_eval(const EvalRunSpec& spec);

}  // namespace vlsi::eval
