#include "vlsi/dist/gradient_sync.h"

namespace vlsi::dist {

GradientSync::GradientSync(std::vector<torch::Tensor> params, int64_t bucket_bytes)
    : params_(std::move(params)), bucket_bytes_(bucket_bytes) {}

void GradientSync::all_reduce_sum(ProcessGroup& group) {
  if (group.world_size() == 1 || params_.empty()) return;
  torch::NoGradGuard no_grad;
  // Which parameters have a gradient anywhere: the same set on every rank.
  auto has_grad = torch::zeros({int64_t(params_.size())}, torch::kFloat);
  for (size_t i = 0; i < params_.size(); ++i) has_grad[int64_t(i)] = params_[i].grad().defined() ? 1.0f : 0.0f;
  std::vector<torch::Tensor> flags{has_grad};
  group.all_reduce_sum(flags, "gradient presence");
  auto any = flags[0].accessor<float, 1>();

  struct Bucket {
    std::vector<size_t> members;
    int64_t bytes = 0;
  };
  std::vector<Bucket> buckets;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (any[int64_t(i)] == 0.0f) continue;
    auto& p = params_[i];
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    const auto& g = p.grad();
    const int64_t bytes = g.numel() * int64_t(g.element_size());
    bool fits = !buckets.empty() && buckets.back().bytes + bytes <= bucket_bytes_ &&
                params_[buckets.back().members.front()].grad().scalar_type() == g.scalar_type() &&
                params_[buckets.back().members.front()].grad().device() == g.device();
    if (!fits) buckets.emplace_back();
    buckets.back().members.push_back(i);
    buckets.back().bytes += bytes;
  }
  std::vector<torch::Tensor> flats;
  for (const auto& b : buckets) {
    std::vector<torch::Tensor> parts;
    for (size_t i : b.members) parts.push_back(params_[i].grad().reshape({-1}));
    flats.push_back(torch::cat(parts).to(group.collective_device()));
  }
  group.all_reduce_sum(flats, "gradient all-reduce");
  for (size_t k = 0; k < buckets.size(); ++k) {
    int64_t offset = 0;
    for (size_t i : buckets[k].members) {
      auto& g = params_[i].mutable_grad();
      const int64_t n = g.numel();
      g.copy_(flats[k].narrow(0, offset, n).view(g.sizes()));
      offset += n;
    }
  }
  last_buckets_ = buckets.size();
}

}  // namespace vlsi::dist
