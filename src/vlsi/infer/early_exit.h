#pragma once
// Early-exit verbalized decoding (VLsI, Fig. 3): what each layer "would say".
// For every exit point the prompt is decoded on its own, running the decoder
// only up to that layer (with its own KV cache) and reading tokens from that
// layer's head -- a verbalizer -- and once more through every layer with the
// model's own head. infer does not know verbalizers: a head is any callable
// from the layer's hidden state to logits (cli wires distill's verbalizers in).
#include <string>
#include <vector>

#include "vlsi/infer/generate.h"

namespace vlsi::infer {

struct ExitPoint {
  int64_t layer = 0;  // 0-based decoder layer whose output the head reads
  HiddenHead head;
};

struct LayerAnswer {
  int64_t layer = 0;   // 0-based decoder layer
  bool final = false;  // the last layer through the model's own final norm and LM head
  Generation generation;
};

// One prompt (ids, its images or undefined). `options` applies to every run
// (its `exit` is replaced). Answers come in layer order, the final one last.
std::vector<LayerAnswer> decode_at_layers(model::CausalVlm& model, const std::vector<int64_t>& prompt,
                                          const model::VisionInputs& images, const std::vector<ExitPoint>& exits,
                                          GenerationOptions options);

}  // namespace vlsi::infer
