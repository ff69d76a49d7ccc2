#pragma once
// Model folders in Hugging Face layout: config.json, model.safetensors (or
// shards + model.safetensors.index.json), the processor's files
// (preprocessor_config.json, processor_config.json) and, optionally, tokenizer.json.
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "vlsi/io/safetensors.h"
#include "vlsi/io/safetensors_sharded.h"
#include "vlsi/model/causal_vlm.h"
#include "vlsi/model/vision_processor.h"

namespace vlsi::model {

struct SaveOptions {
  uint64_t max_shard_bytes = 0;            // 0: a single model.safetensors
  std::string tokenizer_json;              // when set, copied to FOLDER/tokenizer.json
  c10::optional<torch::ScalarType> dtype;  // storage dtype; default: the parameters' own
  const VisionProcessor* processor = nullptr;  // processor files to write; default: the family's for the config
};
// Weights first, config.json last, every file atomic: a folder with a
// config.json is complete.
void save_model(const CausalVlm& model, const std::string& folder, const SaveOptions& options = {});

struct LoadOptions {
  // Compute dtype of the returned model; default: the model's own (config.json's
  // dtype, float32 when it names none), as transformers' dtype="auto".
  c10::optional<torch::ScalarType> dtype;
  torch::Device device = torch::kCPU;
  // When set, replaces `device`: the decoder split by layer ranges
  // (CausalVlmImpl::place_layers), loaded on the CPU first.
  LayerPlacement placement;
};
CausalVlm load_model(const std::string& folder, const LoadOptions& options = {});

// Fills every parameter from a checkpoint, accepting both the legacy and the
// newer transformers layouts (the family's parameter_name). Before anything is
// copied, every missing, unexpected, mis-shaped or non-float tensor (and, when
// expected_dtype names one, every tensor of another dtype) is reported in one
// error line. Ignored on purpose: *.rotary_emb.inv_freq (old buffers) and what
// the family ignores (the head when tied, SigLIP's unused pooling head).
// map_in_place: a CPU parameter whose dtype matches the file's takes the file's
// mapped bytes as its storage (SafetensorsFile::mapped: nothing is read before
// it is used, as transformers' lazy load). Only for a freshly built model:
// anything that already aliases the parameters' storage would be cut off.
void load_weights(CausalVlm& model, const io::CheckpointReader& checkpoint,
                  const std::string& expected_dtype = "", bool map_in_place = false);

// LLaVA-OneVision's newer transformers names (model.language_model.*,
// model.vision_tower.*, model.multi_modal_projector.*, model.image_newline,
// lm_head.*) -> legacy names; legacy names pass through unchanged.
std::string legacy_parameter_name(const std::string& checkpoint_name);

// "float32" <-> torch::kFloat, "bfloat16", "float16", "float64".
std::string dtype_name(torch::ScalarType type);
torch::ScalarType dtype_from_name(const std::string& name);

}  // namespace vlsi::model
