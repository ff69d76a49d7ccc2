#pragma once
// Sums the gradients of the trainable parameters over the ranks, as
// DistributedDataParallel does: flattened into buckets (about 25 MB each, one
// dtype and device per bucket, parameters in reverse order, the order backward
// produces them) so a step makes a few large collectives instead of one per
// tensor.
//
// Overlap: between begin_step() and finish_step(), a hook on each parameter
// copies its finished gradient into its bucket as backward produces it, and a
// bucket's all-reduce starts as soon as it is full, while backward goes on.
// Buckets start strictly in order (every rank must issue the same collectives
// in the same order); one that a parameter without a gradient leaves open
// starts when backward is over. Without begin_step() (or with overlap off),
// finish_step() does all of it after backward.
//
// A parameter that got no gradient on any rank keeps none (the optimizer then
// skips it, as in one process); one that got a gradient on some ranks counts as
// zero on the others.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "vlsi/dist/process_group.h"

namespace vlsi::dist {

class GradientSync {
 public:
  // `overlap` hooks the parameters (only for world size > 1); off, everything waits for finish_step().
  GradientSync(std::vector<torch::Tensor> params, ProcessGroup& group, bool overlap,
               int64_t bucket_bytes = int64_t(25) << 20);
  ~GradientSync();
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // Before the backward pass that completes this step's gradients (the last micro-batch's).
  void begin_step();
  // After it: every bucket summed, in place on each parameter's .grad().
  void finish_step();

  size_t bucket_count() const { return buckets_.size(); }
  // Buckets whose all-reduce started during backward in the last step (for tests and logs).
  size_t overlapped_last_step() const { return overlapped_; }

 private:
  struct Bucket {
    std::vector<size_t> members;    // parameter indices
    std::vector<int64_t> offsets;   // of each member in `flat`
    int64_t numel = 0;
    torch::Tensor flat;             // on the collective device
    size_t pending = 0;             // members still without their final gradient
    ProcessGroup::Pending sum;
  };
  void on_gradient(size_t param, const torch::Tensor& grad);
  void launch_ready();
  void launch(Bucket& b);

  std::vector<torch::Tensor> params_;
  ProcessGroup& group_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_;    // per parameter
  std::vector<int64_t> slot_of_;     // per parameter: its index within its bucket
  std::vector<bool> seen_;           // got its final gradient this step
  std::vector<unsigned> hook_ids_;
  size_t next_launch_ = 0;
  bool active_ = false;
  size_t overlapped_ = 0;
};

}  // namespace vlsi::dist
