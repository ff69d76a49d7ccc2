#pragma once
// A decoder split by layer ranges over several devices, as Hugging Face's
// device_map places a model that fits no single GPU. Config form:
//   "device_map": {"layers 0-39": "cuda:1", "layers 40-79": "cuda:2"}
// The ranges (inclusive) cover every decoder layer exactly once, in order.
// CausalVlmImpl::place_layers applies it: layer i on its range's device;
// embeddings, vision tower and projector on the first range's; the final norm
// and an untied LM head on the last range's (a tied head is the embedding table
// and stays on the first). The decoder loop moves the hidden state, rotary
// tables and attention bias to each range's device as it enters it.
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace vlsi::model {

struct LayerRange {
  int64_t first = 0, last = 0;  // inclusive, 0-based decoder layers
  torch::Device device = torch::kCPU;
};

class LayerPlacement {
 public:
  LayerPlacement() = default;  // empty: the model is not split
  // Fails in one line naming `where` unless the ranges, in order, cover
  // layers 0..num_layers-1 exactly once.
  LayerPlacement(std::vector<LayerRange> ranges, int64_t num_layers, const std::string& where);

  bool empty() const { return ranges_.empty(); }
  const std::vector<LayerRange>& ranges() const { return ranges_; }
  int64_t num_layers() const { return num_layers_; }
  torch::Device first_device() const { return ranges_.front().device; }
  torch::Device last_device() const { return ranges_.back().device; }
  torch::Device device_of_layer(int64_t layer) const;

 private:
  std::vector<LayerRange> ranges_;
  int64_t num_layers_ = 0;
};

// "layers 0-39" -> {0, 39}; fails naming `where` on any other form.
std::pair<int64_t, int64_t> layer_range_from_key(const std::string& key, const std::string& where);

// The config object {"layers A-B": device, ...} for a decoder of num_layers
// layers; an empty object gives the empty placement. Ranges are taken in layer
// order (JSON objects keep no order). `where` names the field, e.g.
// "interact config: field 'teacher.device_map'".
LayerPlacement layer_placement_from_json(const nlohmann::json& j, int64_t num_layers, const std::string& where);

}  // namespace vlsi::model
