#include "vlsi/model/init.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <mutex>

#include "vlsi/io/error.h"
#include "vlsi/model/embedding.h"
#include "vlsi/model/lora.h"
#include "vlsi/model/qwen2.h"
#include "vlsi/model/registry.h"

namespace vlsi::model {

void init_weights(CausalVlm& model, uint64_t seed) {
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
    } else if (auto* conv3 = m.as<torch::nn::Conv3d>()) {  // Qwen2-VL's patch embedding
      normal_(conv3->weight);
      if (conv3->bias.defined()) conv3->bias.zero_();
    } else if (auto* emb = m.as<Embedding>()) {
      normal_(emb->weight);
    } else if (auto* ln = m.as<torch::nn::LayerNorm>()) {
      ln->weight.fill_(1.0);
      ln->bias.zero_();
    } else if (auto* rms = m.as<Qwen2RmsNorm>()) {
      rms->weight.fill_(1.0);
    }
  }
  // Parameters owned by the model itself (LLaVA-OneVision's image_newline):
  // normal(0, 1/sqrt(text hidden)), as transformers draws image_newline.
  const double embed_std = 1.0 / std::sqrt(double(model->hidden_size()));
  for (auto& p : model->named_parameters(/*recurse=*/false))
    p.value().copy_(at::normal(0.0, embed_std, p.value().sizes(), gen, torch::TensorOptions().dtype(torch::kFloat)));
}


CausalVlm create_model(const VlmConfig& config, uint64_t seed, torch::ScalarType dtype) {
  check(dtype == torch::kFloat || dtype == torch::kBFloat16 || dtype == torch::kHalf || dtype == torch::kDouble,
        "model init: dtype must be float32, bfloat16, float16 or float64, got ", c10::toString(dtype));
  // The module constructors draw libtorch's default init from the global RNG;
  // restore it so creating a model never shifts other seeded streams (data order...).
  auto global = at::detail::getDefaultCPUGenerator();
  at::Tensor saved;
  {
    std::lock_guard<std::mutex> lock(global.mutex());
    saved = global.get_state();
  }
  CausalVlm model{nullptr};
  {
    SkipDefaultInit skip;  // init_weights sets every parameter below
    model = create_family_model(config, dtype);
  }
  {
    std::lock_guard<std::mutex> lock(global.mutex());
    global.set_state(saved);
  }
  init_weights(model, seed);
  return model;
}

}  // namespace vlsi::model
