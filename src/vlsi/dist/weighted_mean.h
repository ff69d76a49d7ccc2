#pragma once
// Means over the ranks of values that are each a mean over some count (answer
// tokens): sum(weight_r * value_r) / sum(weight_r), the value one process would
// have computed on the global batch. World size 1: the value itself.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "vlsi/dist/process_group.h"

namespace vlsi::dist {

struct WeightedMean {
  std::vector<double> values;  // the global means, in the order given
  double total_weight = 0.0;   // sum of the ranks' weights
};

WeightedMean weighted_mean_over_ranks(const std::vector<double>& values, double weight, ProcessGroup& group,
                                      const std::string& what);
// Same for a tensor (e.g. the divergence matrix), computed in float64; returned
// in the tensor's dtype and on its device.
torch::Tensor weighted_mean_over_ranks(const torch::Tensor& value, double weight, ProcessGroup& group,
                                       const std::string& what);

}  // namespace vlsi::dist
