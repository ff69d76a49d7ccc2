#pragma once
// The `dtype` option: the dtype a model's parameters and activations are held
// in while training (config field `dtype`, next to `device`) or running
// (`vlsi eval|generate|chat --dtype`). Storage follows the parameters: a model
// trained in bfloat16 is saved with bfloat16 tensors (model_io.h).
#include <torch/torch.h>

#include <string>

namespace vlsi::model {

// Training accepts "float32" and "bfloat16". float16 is refused: without loss
// scaling (which vlsi does not do) its small gradients underflow to zero.
// `where` names the config and field, e.g. "run.json: field 'dtype'".
torch::ScalarType training_dtype_from_name(const std::string& name, const std::string& where);

// Inference also accepts "float16" (libtorch runs it on the CPU). "" means the
// model's own: config.json's dtype, float32 when it has none (load_model).
c10::optional<torch::ScalarType> inference_dtype_from_name(const std::string& name, const std::string& where);

// The `device` option beside it ("cpu", "cuda", "cuda:1"); fails naming `where`
// instead of with libtorch's multi-line message.
torch::Device device_from_name(const std::string& name, const std::string& where);

}  // namespace vlsi::model
