#pragma once
// The verbalizers of one backbone, one per target layer, and their files.
// Parameter names, with {layer} the 0-based decoder-layer index (target_layers.h):
// verbalizers.{layer}.{gate,up,down}_proj.weight (architecture "ffn"),
// verbalizers.{layer}.proj.weight ("linear"), or a decoder layer's own names,
// verbalizers.{layer}.self_attn.q_proj.weight, ... ("decoder_layer"). Saved beside the model as
//   verbalizers.safetensors  the weights, under those names
//   verbalizers.json         {"target_layers": [...], "architecture": "ffn", "form": "residual", "hidden_size": H, ...}
// (a file without "architecture", written before it existed, is "ffn").
// Loading validates both files against each other and against the backbone;
// every problem is one vlsi::Error line naming the file.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "vlsi/distill/verbalizer.h"

namespace vlsi::distill {

inline constexpr const char* kVerbalizerWeightsFile = "verbalizers.safetensors";
inline constexpr const char* kVerbalizerConfigFile = "verbalizers.json";

class VerbalizerSetImpl : public torch::nn::Module {
 public:
  // Verbalizer k is initialised from seed + k (init_verbalizer), so the set is
  // reproducible and each layer's draws are independent of the others.
  VerbalizerSetImpl(std::vector<int64_t> target_layers, int64_t hidden_size, const OutputHead& head,
                    const VerbalizerOptions& options = {}, uint64_t seed = 0);

  const std::vector<int64_t>& target_layers() const { return target_layers_; }
  int64_t hidden_size() const { return hidden_size_; }
  VerbalizerForm form() const { return form_; }
  VerbalizerArchitecture architecture() const { return architecture_; }
  size_t size() const { return verbalizers_.size(); }
  bool has_layer(int64_t layer) const;
  // The verbalizer of target number k (0..size-1) / of decoder layer `layer`.
  Verbalizer& operator[](size_t k) { return verbalizers_.at(k); }
  Verbalizer& at_layer(int64_t layer);
  const std::vector<Verbalizer>& verbalizers() const { return verbalizers_; }
  // Points every verbalizer at another output head (e.g. after the backbone was reloaded).
  void set_head(const OutputHead& head);

 private:
  std::vector<int64_t> target_layers_;
  int64_t hidden_size_;
  VerbalizerForm form_;
  VerbalizerArchitecture architecture_;
  std::vector<Verbalizer> verbalizers_;
};
TORCH_MODULE(VerbalizerSet);

// Writes verbalizers.safetensors and verbalizers.json into `dir` (created if
// missing), each atomically.
void save_verbalizer_set(const VerbalizerSet& set, const std::string& dir);

// What the loaded set must agree with.
struct VerbalizerSetExpectation {
  int64_t hidden_size = 0;             // the backbone's width (required)
  int64_t num_layers = 0;              // > 0: target layers are validated against it
  std::vector<int64_t> target_layers;  // non-empty: must equal the file's list
};

// Reads the set saved in `dir`, using `head` as the shared output head. The
// parameters take the dtype of the stored tensors.
VerbalizerSet load_verbalizer_set(const std::string& dir, const OutputHead& head,
                                  const VerbalizerSetExpectation& expect);

}  // namespace vlsi::distill
