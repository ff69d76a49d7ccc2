#include "vlsi/eval/answer_generation.h"

#include <algorithm>

#include "vlsi/infer/generate.h"
#include "vlsi/train/progress.h"

namespace vlsi::eval {

double generate_answers(model::CausalVlm& model, const data::SampleEncoder& encoder, size_t n,
                        const PromptMaker& prepare, const EvalOptions& options, const AnswerSink& on_answer,
                        const ProgressStatus& status) {
  model->eval();
  const auto& tok = encoder.tokenizer();
  infer::GenerationOptions go;
  go.max_new_tokens = options.max_new_tokens;
  go.num_beams = options.num_beams;
  go.pad_id = encoder.pad_id();
  for (const char* stop : {"<|im_end|>", "<|endoftext|>"})
    if (auto id = tok.token_to_id(stop)) go.stop_ids.push_back(*id);

  const int64_t bs = options.batch_size;
  const int64_t batches = (int64_t(n) + bs - 1) / bs;
  train::ProgressLine progress(options.label, batches, std::max<int64_t>(1, batches / 10));
  progress.start(0);
  for (int64_t b = 0; b < batches; ++b) {
    const size_t lo = size_t(b * bs), hi = std::min(n, size_t((b + 1) * bs));
    std::vector<std::vector<int64_t>> prompts;
    std::vector<model::VisionInputs> images;
    for (size_t i = lo; i < hi; ++i) {
      data::PreparedPrompt p = prepare(i);
      prompts.push_back(std::move(p.prompt.input_ids));
      images.push_back(std::move(p.images));
    }
    auto outs = infer::generate(model, prompts, model::VisionInputs::concat(images), go);
    int64_t tokens = 0;
    for (size_t k = 0; k < outs.size(); ++k) {
      on_answer(lo + k, tok.decode(outs[k].tokens, /*skip_special=*/true));
      tokens += int64_t(prompts[k].size() + outs[k].tokens.size());
    }
    progress.update(b, status(), tokens);
  }
  progress.finish(status() + " on " + std::to_string(n) + " samples");
  return progress.elapsed_seconds();
}

}  // namespace vlsi::eval
