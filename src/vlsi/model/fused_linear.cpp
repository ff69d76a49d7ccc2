#include "vlsi/model/fused_linear.h"

#include "vlsi/io/error.h"

namespace vlsi::model {
namespace {

std::vector<int64_t> out_sizes(const std::vector<torch::Tensor>& weights) {
  std::vector<int64_t> sizes;
  for (const auto& w : weights) sizes.push_back(w.size(0));
  return sizes;
}

void split_params(const std::vector<LoraLinear>& layers, std::vector<torch::Tensor>* weights,
                  std::vector<torch::Tensor>* biases) {
  for (const auto& l : layers) {
    weights->push_back(l->weight);
    biases->push_back(l->bias);
  }
}

bool any_adapter(const std::vector<LoraLinear>& layers) {
  for (const auto& l : layers)
    if (l->adapter_enabled()) return true;
  return false;
}

}  // namespace

bool joins_products(const torch::Tensor& x) { return x.scalar_type() == torch::kFloat; }

torch::Tensor fused_linear_joined(const torch::Tensor& x, const std::vector<torch::Tensor>& weights,
                                  const std::vector<torch::Tensor>& biases) {
  check(!weights.empty() && biases.size() == weights.size(), "fused_linear: ", weights.size(), " weights but ",
        biases.size(), " biases");
  const bool with_bias = biases[0].defined();
  for (const auto& b : biases)
    check(b.defined() == with_bias, "fused_linear: either every layer has a bias or none has");
  if (weights.size() == 1) return torch::linear(x, weights[0], biases[0]);
  return torch::linear(x, torch::cat(weights, 0), with_bias ? torch::cat(biases, 0) : torch::Tensor());
}

std::vector<torch::Tensor> fused_linear(const torch::Tensor& x, const std::vector<torch::Tensor>& weights,
                                        const std::vector<torch::Tensor>& biases) {
  if (!joins_products(x)) {
    std::vector<torch::Tensor> out;
    for (size_t i = 0; i < weights.size(); ++i) out.push_back(torch::linear(x, weights[i], biases.at(i)));
    return out;
  }
  // One split node: its backward concatenates the parts' gradients, where
  // separate narrows would each scatter into a zero-filled full-size tensor.
  return fused_linear_joined(x, weights, biases).split_with_sizes(out_sizes(weights), -1);
}

std::vector<torch::Tensor> fused_linear(const torch::Tensor& x, std::vector<LoraLinear> layers) {
  if (!joins_products(x)) {
    std::vector<torch::Tensor> out;
    for (auto& l : layers) out.push_back(l->forward(x));
    return out;
  }
  std::vector<torch::Tensor> weights, biases;
  split_params(layers, &weights, &biases);
  auto out = fused_linear(x, weights, biases);
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i]->adapter_enabled()) out[i] = out[i] + layers[i]->adapter_delta(x);
  return out;
}

torch::Tensor fused_linear_joined(const torch::Tensor& x, std::vector<LoraLinear> layers) {
  if (any_adapter(layers)) return torch::cat(fused_linear(x, layers), -1);
  std::vector<torch::Tensor> weights, biases;
  split_params(layers, &weights, &biases);
  return fused_linear_joined(x, weights, biases);
}

}  // namespace vlsi::model
