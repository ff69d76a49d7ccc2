#include "vlsi/infer/early_exit.h"

#include "vlsi/io/error.h"

namespace vlsi::infer {

std::vector<LayerAnswer> decode_at_layers(model::CausalVlm& model, const std::vector<int64_t>& prompt,
                                          const model::VisionInputs& images, const std::vector<ExitPoint>& exits,
                                          GenerationOptions options) {
  const int64_t layers = model->config().text_config.num_hidden_layers;
  std::vector<LayerAnswer> out;
  for (const auto& e : exits) {
    check(e.layer >= 0 && e.layer < layers, "early exit: layer ", e.layer, " outside 0..", layers - 1);
    check(out.empty() || e.layer > out.back().layer, "early exit: layers must be strictly increasing, got ", e.layer,
          " after ", out.empty() ? 0 : out.back().layer);
    options.exit = {e.layer + 1, e.head};
    out.push_back({e.layer, false, generate(model, {prompt}, images, options).at(0)});
  }
  options.exit = {};
  out.push_back({layers - 1, true, generate(model, {prompt}, images, options).at(0)});
  return out;
}

}  // namespace vlsi::infer
