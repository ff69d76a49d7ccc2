#pragma once
// A loaded model as the server uses it; the encoder and processor outlive the server.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "vlsi/data/collate.h"
#include "vlsi/infer/early_exit.h"
#include "vlsi/model/causal_vlm.h"
#include "vlsi/model/vision_processor.h"

namespace vlsi::serve {

struct ServedModel {
  std::string id;  // what /v1/models lists and requests name in "model"
  model::CausalVlm model = nullptr;
  const data::SampleEncoder* encoder = nullptr;
  const model::VisionProcessor* processor = nullptr;
  int64_t pad_id = 0;
  std::vector<int64_t> stop_ids;
  // The folder's verbalizers as exits (empty: none; the layer endpoint then
  // gives the final answer alone) and its layer_pairing.json (null: none).
  std::vector<infer::ExitPoint> exits;
  nlohmann::json pairing;
};

}  // namespace vlsi::serve
