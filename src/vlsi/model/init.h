#pragma once
// Fresh weights for training from scratch, as Hugging Face's LLaVA initialiser:
// linear, convolution and embedding weights ~ normal(0, initializer_range),
// biases zero, LayerNorm/RMSNorm weights one. Deterministic for a seed, drawn
// from a private generator (the global torch RNG is left untouched).
#include <cstdint>

#include "vlsi/model/causal_vlm.h"

namespace vlsi::model {

void init_weights(CausalVlm& model, uint64_t seed);

// A new model of `config` with init_weights(seed) applied, its parameters
// allocated in `dtype` from the start: a bfloat16 model never has a float32
// copy (each tensor is drawn in float32 on its own, then rounded), and its
// values are those of the float32 model rounded to bfloat16.
CausalVlm create_model(const VlmConfig& config, uint64_t seed, torch::ScalarType dtype = torch::kFloat);

}  // namespace vlsi::model
