#pragma once
// A lookup table with torch::nn::Embedding's parameter name (`weight`
// [num, dim]) and default init (normal(0, 1)), which SkipDefaultInit
// (lora.h) turns off for models about to be filled from a checkpoint.
#include <torch/torch.h>

namespace vlsi::model {

class EmbeddingImpl : public torch::nn::Module {
 public:
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim);
  torch::Tensor forward(const torch::Tensor& ids) { return torch::embedding(weight, ids); }
  torch::Tensor weight;
};
TORCH_MODULE(Embedding);

}  // namespace vlsi::model
