#pragma once
// The generation half of an evaluation: decodes the model's answer to each
// prompt in batches (greedy or beam search, KV cache), with a progress line.
// Both evaluators (LLaVA records, VLMEvalKit TSVs) score what it returns.
#include <functional>
#include <string>

#include "vlsi/data/sample_images.h"
#include "vlsi/eval/evaluator.h"

namespace vlsi::eval {

// Prompt i with its processed images.
using PromptMaker = std::function<data::PreparedPrompt(size_t index)>;
// Called once per answer, in prompt order.
using AnswerSink = std::function<void(size_t index, const std::string& answer)>;
// The progress line's fields after a batch ("accuracy 0.412").
using ProgressStatus = std::function<std::string()>;

// Decodes prompts 0..n-1 (n > 0) with options' batch size, length and beams;
// returns the seconds it took. The progress line ends with "STATUS on N samples".
double generate_answers(model::CausalVlm& model, const data::SampleEncoder& encoder, size_t n,
                        const PromptMaker& prepare, const EvalOptions& options, const AnswerSink& on_answer,
                        const ProgressStatus& status);

}  // namespace vlsi::eval
