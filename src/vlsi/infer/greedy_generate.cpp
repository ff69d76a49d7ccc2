#include "vlsi/infer/greedy_generate.h"

namespace vlsi::infer {

std::vector<std::vector<int64_t>> greedy_generate(model::CausalVlm& model,
                                                  const std::vector<std::vector<int64_t>>& prompts,
                                                  const model::VisionInputs& images, const GreedyOptions& options) {
  GenerationOptions go;
  go.max_new_tokens = options.max_new_tokens;
  go.stop_ids = options.stop_ids;
  go.pad_id = options.pad_id;
  std::vector<std::vector<int64_t>> out;
  for (auto& g : generate(model, prompts, images, go)) out.push_back(std::move(g.tokens));
  return out;
}

}  // namespace vlsi::infer
