#include "vlsi/model/init.h"

#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

#include "vlsi/io/error.h"

namespace vlsi::model {

void init_weights(VlmForConditionalGeneration& model, uint64_t seed) {
  torch::NoGradGuard no_grad;
  const double std = model->config().initializer_range;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  // Draw on the CPU in float32 so the values do not depend on device or dtype.
  auto normal_ = [&](torch::Tensor& t) {
    t.copy_(at::normal(0.0, std, t.sizes(), gen, torch::TensorOptions().dtype(torch::kFloat)));
  };
  // named_modules() walks in registration order, so the draws are reproducible.
  for (const auto& item : model->named_modules()) {
    torch::nn::Module& m = *item.value();
    if (auto* lin = m.as<torch::nn::Linear>()) {
      normal_(lin->weight);
      if (lin->bias.defined()) lin->bias.zero_();
    } else if (auto* lora = m.as<LoraLinear>()) {  // the Qwen2 linears (same draw order as before)
      normal_(lora->weight);
      if (lora->bias.defined()) lora->bias.zero_();
    } else if (auto* conv = m.as<torch::nn::Conv2d>()) {
      normal_(conv->weight);
      if (conv->bias.defined()) conv->bias.zero_();
    } else if (auto* emb = m.as<torch::nn::Embedding>()) {
      normal_(emb->weight);
    } else if (auto* ln = m.as<torch::nn::LayerNorm>()) {
      ln->weight.fill_(1.0);
      ln->bias.zero_();
    } else if (auto* rms = m.as<Qwen2RmsNorm>()) {
      rms->weight.fill_(1.0);
    }
  }
}

VlmForConditionalGeneration create_model(const VlmConfig& config, uint64_t seed) {
  // The module constructors draw libtorch's default init from the global RNG;
  // restore it so creating a model never shifts other seeded streams (data order...).
  auto global = at::detail::getDefaultCPUGenerator();
  at::Tensor saved;
  {
    std::lock_guard<std::mutex> lock(global.mutex());
    saved = global.get_state();
  }
  VlmForConditionalGeneration model(config);
  {
    std::lock_guard<std::mutex> lock(global.mutex());
    global.set_state(saved);
  }
  init_weights(model, seed);
  return model;
}

}  // namespace vlsi::model
