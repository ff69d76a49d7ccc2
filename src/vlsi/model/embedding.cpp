#include "vlsi/model/embedding.h"

#include "vlsi/io/error.h"
#include "vlsi/model/lora.h"

namespace vlsi::model {

EmbeddingImpl::EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim) {
  check(num_embeddings > 0 && embedding_dim > 0, "embedding: sizes must be positive, got ", num_embeddings, " x ",
        embedding_dim);
  weight = register_parameter("weight", torch::empty({num_embeddings, embedding_dim}));
  if (!SkipDefaultInit::active()) {
    torch::NoGradGuard no_grad;
    torch::nn::init::normal_(weight);
  }
}

}  // namespace vlsi::model
