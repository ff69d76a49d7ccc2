#include "vlsi/model/part_transfer.h"

#include <map>

#include "vlsi/io/error.h"

namespace vlsi::model {

namespace {

std::string shape_text(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

}  // namespace

int64_t copy_part_weights(const CausalVlmImpl& from, CausalVlmImpl& to, Part part, const std::string& where) {
  std::map<std::string, torch::Tensor> source;
  for (auto& [name, t] : from.named_parameters_of(part)) source[name] = t;
  auto target = to.named_parameters_of(part);
  check(!target.empty(), where, ": the model has no ", part_name(part), " parameters to copy into");
  check(source.size() == target.size(), where, ": the source's ", part_name(part), " has ", source.size(),
        " parameters, this model's has ", target.size(), " (different ", part_name(part), " configs or families)");
  torch::NoGradGuard no_grad;
  int64_t copied = 0;
  for (auto& [name, t] : target) {
    auto it = source.find(name);
    check(it != source.end(), where, ": the source has no ", part_name(part), " parameter '", name,
          "' (different families?)");
    check(it->second.sizes() == t.sizes(), where, ": ", part_name(part), " parameter '", name, "' is ",
          shape_text(it->second), " in the source and ", shape_text(t), " here (the vision configs must match)");
    t.copy_(it->second.to(t.device(), t.scalar_type()));
    copied += t.numel();
  }
  return copied;
}

}  // namespace vlsi::model
