#pragma once
// Which decoder layers get a verbalizer (method doc section 1).
//
// Indices are 0-BASED decoder-layer indices: index i is the OUTPUT of decoder
// layer i, i.e. VlmOutput::layer_hidden_states[i] (Hugging Face's
// hidden_states[i + 1], since HF puts the embeddings at hidden_states[0]).
// The paper's "every 4th layer starting at layer 2" (2, 6, ..., 26 for a
// 28-layer model; 2, ..., 78 for 80 layers) is taken literally as these 0-based
// indices: the default start is 2 and stride 4, which gives t_s = 7 and t_l = 20
// as the paper reports. (Under the other reading -- the paper indexing HF's
// hidden_states tuple -- the same layers are start = 1; set it explicitly.)
// The last decoder layer (index num_layers - 1) is never a target: the final
// output has its own last-layer loss.
#include <cstdint>
#include <string>
#include <vector>

namespace vlsi::distill {

struct TargetLayerSpec {
  std::vector<int64_t> layers;  // explicit 0-based list; when non-empty, start/stride are ignored
  int64_t start = 2;
  int64_t stride = 4;
};

// start, start + stride, ... up to and including num_layers - 2 (never the last).
std::vector<int64_t> target_layers_by_stride(int64_t num_layers, int64_t start, int64_t stride,
                                             const std::string& where = "target layers");

// The layers of `spec` for a backbone of `num_layers`, validated.
std::vector<int64_t> resolve_target_layers(const TargetLayerSpec& spec, int64_t num_layers,
                                           const std::string& where = "target layers");

// Non-empty, strictly increasing, each in [0, num_layers - 2]; one-line vlsi::Error otherwise.
void validate_target_layers(const std::vector<int64_t>& layers, int64_t num_layers,
                            const std::string& where = "target layers");

// The method needs t_l > t_s (the teacher has more target layers than the student).
void check_teacher_has_more_targets(const std::vector<int64_t>& teacher_layers,
                                    const std::vector<int64_t>& student_layers,
                                    const std::string& where = "target layers");

// "2,6,10" for messages and logs.
std::string format_layers(const std::vector<int64_t>& layers);

}  // namespace vlsi::distill
