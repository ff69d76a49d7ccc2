#pragma once
// A linear layer that can carry a LoRA adapter (Hu et al. 2021; the VLsI
// interaction step trains the student's LLM linears this way, method doc
// section 2, "Trained").
//
// The base parameters are registered as `weight` [out, in] and `bias` [out]
// (absent when bias = false), exactly as torch::nn::Linear, so model folders
// keep Hugging Face's parameter names. The adapter (lora_A [r, in], lora_B
// [out, r]) is NOT registered with the module: a model with an adapter still
// saves, loads, counts and freezes its parameters as before, and the adapter
// travels in its own file (lora_model.h). It lives on the weight's device and
// dtype at the time it is attached.
//
// forward(x) = x W^T + b                                      no adapter, or disabled
//            = x W^T + b + (dropout(x) A^T B^T) * alpha / r   adapter enabled
// The plain path is exactly torch::linear(x, weight, bias) (training speed of
// models without adapters is benchmarked). Initialisation as PEFT: A
// kaiming-uniform (a = sqrt(5), the nn.Linear default), B zero, so a fresh
// adapter leaves the outputs unchanged.
#include <ATen/core/Generator.h>
#include <torch/torch.h>

namespace vlsi::model {

// While one is alive (on this thread), LoRA-capable linears and Embedding
// skip their default initialisation: a model about to be filled from a
// checkpoint (or by init_weights) need not draw random numbers for every
// parameter first, which would dominate loading a large model.
class SkipDefaultInit {
 public:
  SkipDefaultInit();
  ~SkipDefaultInit();
  SkipDefaultInit(const SkipDefaultInit&) = delete;
  SkipDefaultInit& operator=(const SkipDefaultInit&) = delete;
  static bool active();

 private:
  bool saved_;
};

struct LoraAdapterOptions {
  int64_t rank = 8;
  double alpha = 8.0;    // scaling = alpha / rank
  double dropout = 0.0;  // on the adapter's input only, training mode only
};

class LoraLinearImpl : public torch::nn::Module {
 public:
  LoraLinearImpl(int64_t in_features, int64_t out_features, bool bias);
  // Same default init as torch::nn::Linear (kaiming-uniform weight, uniform bias)
  // from the global RNG, so constructing a model draws as it did before.
  void reset_parameters();
  torch::Tensor forward(const torch::Tensor& x);
  // The adapter's term alone, (dropout(x) A^T B^T) * alpha / r; needs an adapter.
  torch::Tensor adapter_delta(const torch::Tensor& x);

  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }

  // Attaches a fresh adapter (replacing any), A drawn from `generator` on the CPU in float32.
  void attach_adapter(const LoraAdapterOptions& options, at::Generator& generator);
  // Drops the adapter without touching the base weight.
  void remove_adapter();
  bool has_adapter() const { return lora_A.defined(); }
  // A disabled adapter is kept but not applied (forward is the plain path).
  void set_adapter_enabled(bool enabled) { adapter_enabled_ = enabled; }
  bool adapter_enabled() const { return has_adapter() && adapter_enabled_; }
  // weight += B A * alpha / r, then the adapter is removed. No-op without one.
  void merge_adapter();
  const LoraAdapterOptions& adapter_options() const { return adapter_options_; }
  double scaling() const { return adapter_options_.alpha / double(adapter_options_.rank); }

  torch::Tensor weight, bias;
  torch::Tensor lora_A, lora_B;  // undefined without an adapter; not registered (see above)

 private:
  int64_t in_features_, out_features_;
  LoraAdapterOptions adapter_options_;
  bool adapter_enabled_ = true;
};
TORCH_MODULE(LoraLinear);

}  // namespace vlsi::model
