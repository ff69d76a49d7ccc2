#include "vlsi/dist/gradient_sync.h"

#include "vlsi/io/error.h"

namespace vlsi::dist {

GradientSync::GradientSync(std::vector<torch::Tensor> params, ProcessGroup& group, bool overlap, int64_t bucket_bytes)
    : params_(std::move(params)), group_(group) {
  if (group_.world_size() == 1) return;
  bucket_of_.assign(params_.size(), 0);
  slot_of_.assign(params_.size(), 0);
  seen_.assign(params_.size(), false);
  // Reverse order: backward finishes the last layers' gradients first.
  for (size_t k = params_.size(); k-- > 0;) {
    const auto& p = params_[k];
    const int64_t bytes = p.numel() * int64_t(p.element_size());
    bool fits = !buckets_.empty() && (buckets_.back().numel * int64_t(p.element_size()) + bytes <= bucket_bytes) &&
                params_[buckets_.back().members.front()].scalar_type() == p.scalar_type() &&
                params_[buckets_.back().members.front()].device() == p.device();
    if (!fits) buckets_.emplace_back();
    Bucket& b = buckets_.back();
    bucket_of_[k] = buckets_.size() - 1;
    slot_of_[k] = int64_t(b.members.size());
    b.members.push_back(k);
    b.offsets.push_back(b.numel);
    b.numel += p.numel();
  }
  for (auto& b : buckets_)
    b.flat = torch::zeros({b.numel}, params_[b.members.front()].options().device(group_.collective_device()));
  if (!overlap) return;
  for (size_t k = 0; k < params_.size(); ++k)
    if (params_[k].requires_grad())
      hook_ids_.push_back(params_[k].register_hook([this, k](const torch::Tensor& grad) {
        on_gradient(k, grad);
        return torch::Tensor();  // the gradient itself is left as it is
      }));
    else
      hook_ids_.push_back(unsigned(-1));
}

GradientSync::~GradientSync() {
  for (size_t k = 0; k < hook_ids_.size(); ++k)
    if (hook_ids_[k] != unsigned(-1)) params_[k].remove_hook(hook_ids_[k]);
}

void GradientSync::begin_step() {
  if (hook_ids_.empty()) return;
  for (auto& b : buckets_) b.pending = b.members.size();
  std::fill(seen_.begin(), seen_.end(), false);
  next_launch_ = 0;
  overlapped_ = 0;
  active_ = true;
}

void GradientSync::on_gradient(size_t k, const torch::Tensor& grad) {
  if (!active_ || seen_[k]) return;
  torch::NoGradGuard no_grad;
  Bucket& b = buckets_[bucket_of_[k]];
  // The value .grad will hold after this backward: what earlier micro-batches accumulated, plus this.
  const torch::Tensor& before = params_[k].grad();
  auto slot = b.flat.narrow(0, b.offsets[size_t(slot_of_[k])], params_[k].numel());
  if (before.defined())
    slot.copy_((before + grad).reshape({-1}));
  else
    slot.copy_(grad.reshape({-1}));
  seen_[k] = true;
  --b.pending;
  launch_ready();
}

void GradientSync::launch_ready() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].pending == 0) {
    launch(buckets_[next_launch_]);
    ++next_launch_;
    if (active_) ++overlapped_;
  }
}

void GradientSync::launch(Bucket& b) {
  b.sum = group_.all_reduce_sum_async(b.flat, "gradient all-reduce");
}

void GradientSync::finish_step() {
  if (group_.world_size() == 1 || params_.empty()) return;
  torch::NoGradGuard no_grad;
  const bool hooked = active_;
  active_ = false;
  // Which parameters have a gradient anywhere: the same set on every rank.
  auto has_grad = torch::zeros({int64_t(params_.size())}, torch::kFloat);
  for (size_t k = 0; k < params_.size(); ++k) has_grad[int64_t(k)] = params_[k].grad().defined() ? 1.0f : 0.0f;
  std::vector<torch::Tensor> flags{has_grad.to(group_.collective_device())};
  // Buckets not started during backward: fill them from .grad (zeros where none) and start them in order.
  if (!hooked) next_launch_ = 0;
  for (size_t i = next_launch_; i < buckets_.size(); ++i) {
    Bucket& b = buckets_[i];
    for (size_t m = 0; m < b.members.size(); ++m) {
      const size_t k = b.members[m];
      if (hooked && seen_[k]) continue;
      auto slot = b.flat.narrow(0, b.offsets[m], params_[k].numel());
      if (params_[k].grad().defined())
        slot.copy_(params_[k].grad().reshape({-1}));
      else
        slot.zero_();
    }
    launch(b);
  }
  next_launch_ = buckets_.size();
  for (auto& b : buckets_) b.sum.wait();
  group_.all_reduce_sum(flags, "gradient presence");
  auto any = flags[0].cpu();
  auto anywhere = any.accessor<float, 1>();
  for (auto& b : buckets_)
    for (size_t m = 0; m < b.members.size(); ++m) {
      const size_t k = b.members[m];
      auto& p = params_[k];
      if (anywhere[int64_t(k)] == 0.0f) {
        p.mutable_grad().reset();
        continue;
      }
      auto summed = b.flat.narrow(0, b.offsets[m], p.numel()).view(p.sizes());
      if (!p.grad().defined()) p.mutable_grad() = torch::empty_like(p);
      p.mutable_grad().copy_(summed);
    }
}

}  // namespace vlsi::dist
