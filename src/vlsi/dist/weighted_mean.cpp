#include "vlsi/dist/weighted_mean.h"

#include "vlsi/io/error.h"

namespace vlsi::dist {
namespace {

// [weight, weight * v...] summed over the ranks, in float64 on the collective's device.
torch::Tensor weighted_sum(const torch::Tensor& flat_values, double weight, ProcessGroup& group,
                           const std::string& what) {
  auto packed = torch::cat({torch::full({1}, weight, flat_values.options()), flat_values * weight});
  std::vector<torch::Tensor> t{packed.contiguous()};
  group.all_reduce_sum(t, what);
  check(t[0][0].item<double>() > 0, "distributed: ", what, ": no rank had anything to average");
  return t[0];
}

}  // namespace

WeightedMean weighted_mean_over_ranks(const std::vector<double>& values, double weight, ProcessGroup& group,
                                      const std::string& what) {
  WeightedMean r;
  if (group.world_size() == 1) return {values, weight};
  auto flat = torch::tensor(values, torch::kDouble).to(group.collective_device());
  auto sum = weighted_sum(flat, weight, group, what);
  r.total_weight = sum[0].item<double>();
  sum = sum.cpu();
  auto acc = sum.accessor<double, 1>();
  for (size_t i = 0; i < values.size(); ++i) r.values.push_back(acc[int64_t(i) + 1] / r.total_weight);
  return r;
}

torch::Tensor weighted_mean_over_ranks(const torch::Tensor& value, double weight, ProcessGroup& group,
                                       const std::string& what) {
  if (group.world_size() == 1) return value;
  auto flat = value.detach().to(group.collective_device(), torch::kDouble).reshape({-1});
  auto sum = weighted_sum(flat, weight, group, what);
  return (sum.slice(0, 1) / sum[0]).view(value.sizes()).to(value.device(), value.scalar_type());
}

}  // namespace vlsi::dist
