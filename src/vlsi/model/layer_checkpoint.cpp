#include "vlsi/model/layer_checkpoint.h"

#include <ATen/Context.h>

namespace vlsi::model {
namespace {

struct LayerHolder : torch::CustomClassHolder {
  explicit LayerHolder(LayerFn f) : fn(std::move(f)) {}
  LayerFn fn;
};

at::Generator generator_of(const torch::Device& device) {
  return at::globalContext().defaultGenerator(device.is_cuda() ? device : torch::Device(torch::kCPU));
}

struct CheckpointFunction : torch::autograd::Function<CheckpointFunction> {
  // `anchor` requires grad, so the output does (and this backward runs) even when
  // `input` does not: a first layer after frozen embeddings still trains.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input,
                               const torch::Tensor& anchor, const c10::intrusive_ptr<LayerHolder>& layer) {
    ctx->saved_data["layer"] = c10::IValue::make_capsule(layer);
    ctx->saved_data["rng"] = generator_of(input.device()).get_state();
    ctx->save_for_backward({input});
    return layer->fn(input);  // grad mode is off inside forward: nothing is kept
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto layer = c10::static_intrusive_pointer_cast<LayerHolder>(ctx->saved_data["layer"].toCapsule());
    torch::Tensor input = ctx->get_saved_variables()[0].detach().requires_grad_(true);
    at::Generator gen = generator_of(input.device());
    torch::Tensor now;
    torch::Tensor output;
    {
      std::lock_guard<std::mutex> lock(gen.mutex());
      now = gen.get_state();
      gen.set_state(ctx->saved_data["rng"].toTensor());
    }
    {
      torch::AutoGradMode grad_on(true);
      output = layer->fn(input);
    }
    {
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(now);
    }
    torch::autograd::backward({output}, {grad_outputs[0]});
    return {input.grad(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor checkpointed(const LayerFn& layer, const torch::Tensor& input) {
  static const torch::Tensor anchor = torch::zeros({}, torch::requires_grad());
  return CheckpointFunction::apply(input, anchor, c10::make_intrusive<LayerHolder>(layer));
}

}  // namespace vlsi::model
