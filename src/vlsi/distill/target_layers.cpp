#include "vlsi/distill/target_layers.h"

#include "vlsi/io/error.h"

namespace vlsi::distill {

std::string format_layers(const std::vector<int64_t>& layers) {
  std::string s;
  for (size_t i = 0; i < layers.size(); ++i) s += (i ? "," : "") + std::to_string(layers[i]);
  return s;
}

std::vector<int64_t> target_layers_by_stride(int64_t num_layers, int64_t start, int64_t stride,
                                             const std::string& where) {
  check(num_layers >= 2, where, ": a backbone of ", num_layers,
        " decoder layers has no target layer (the last layer is never one)");
  check(stride >= 1, where, ": stride must be >= 1, got ", stride);
  check(start >= 0 && start <= num_layers - 2, where, ": start ", start, " is outside 0..", num_layers - 2,
        " (0-based; the last layer ", num_layers - 1, " is never a target)");
  std::vector<int64_t> layers;
  for (int64_t l = start; l <= num_layers - 2; l += stride) layers.push_back(l);
  return layers;
}

void validate_target_layers(const std::vector<int64_t>& layers, int64_t num_layers, const std::string& where) {
  check(!layers.empty(), where, ": the list of target layers is empty");
  for (size_t i = 0; i < layers.size(); ++i) {
    check(layers[i] >= 0 && layers[i] <= num_layers - 2, where, ": layer ", layers[i], " is outside 0..",
          num_layers - 2, " for a backbone of ", num_layers, " layers (0-based; the last layer is never a target)");
    check(i == 0 || layers[i] > layers[i - 1], where, ": layers must be strictly increasing, got ",
          format_layers(layers));
  }
}

std::vector<int64_t> resolve_target_layers(const TargetLayerSpec& spec, int64_t num_layers,
                                           const std::string& where) {
  auto layers = spec.layers.empty() ? target_layers_by_stride(num_layers, spec.start, spec.stride, where) : spec.layers;
  validate_target_layers(layers, num_layers, where);
  return layers;
}

void check_teacher_has_more_targets(const std::vector<int64_t>& teacher_layers,
                                    const std::vector<int64_t>& student_layers, const std::string& where) {
  check(!student_layers.empty(), where, ": the student has no target layer");
  check(teacher_layers.size() > student_layers.size(), where, ": the teacher needs more target layers than the student (t_l > t_s), got t_l = ",
        teacher_layers.size(), " [", format_layers(teacher_layers), "] and t_s = ", student_layers.size(), " [",
        format_layers(student_layers), "]");
}

}  // namespace vlsi::distill
