#pragma once
// Sums the gradients of the trainable parameters over the ranks, as
// DistributedDataParallel does: flattened into buckets (about 25 MB each, one
// dtype per bucket) so a step makes a few large collectives instead of one per
// tensor, all launched before any is waited for. A parameter that got no
// gradient on any rank keeps none (the optimizer then skips it, as in one
// process); one that got a gradient on some ranks counts as zero on the others.
#include <torch/torch.h>

#include <vector>

#include "vlsi/dist/process_group.h"

namespace vlsi::dist {

class GradientSync {
 public:
  explicit GradientSync(std::vector<torch::Tensor> params, int64_t bucket_bytes = int64_t(25) << 20);
  // In place on every parameter's .grad(); world size 1: nothing happens.
  void all_reduce_sum(ProcessGroup& group);
  // Buckets the last call used (for logs and tests).
  size_t last_bucket_count() const { return last_buckets_; }

 private:
  std::vector<torch::Tensor> params_;
  int64_t bucket_bytes_;
  size_t last_buckets_ = 0;
};

}  // namespace vlsi::dist
