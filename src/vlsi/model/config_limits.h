#pragma once
// Sane sizes for a model config, checked before any module is built: a
// config.json claiming 10^12 layers or a 3x10^7 vocabulary is refused with one
// line instead of allocating until the machine gives up (docs/reliability.md).
#include <cstdint>
#include <string>

#include "vlsi/model/config.h"

namespace vlsi::model {

// Fixed ceilings per field, about 10x the largest public models'.
struct ConfigSizeLimits {
  static constexpr int64_t kLayers = 1024;
  static constexpr int64_t kHiddenSize = 65536;
  static constexpr int64_t kHeads = 1024;
  static constexpr int64_t kIntermediateSize = 1 << 20;
  static constexpr int64_t kPositions = 1 << 24;     // max_position_embeddings
  static constexpr int64_t kImageSize = 8192;        // vision tile side in pixels
  static constexpr int64_t kPatchesPerTile = 65536;  // (image_size / patch_size)^2
  static constexpr int64_t kChannels = 16;
  static constexpr int64_t kPinpointSide = 16384;    // anyres canvas side in pixels
  static constexpr int64_t kPinpoints = 1024;
};

void check_at_most(int64_t value, int64_t limit, const std::string& where, const char* field);
// The decoder's sizes against the limits (text_config or a text-only config.json).
void check_text_limits(const TextConfig& text, const std::string& where);
// Parameters of a Qwen2 decoder with its embeddings and head (as a double: the
// vocabulary limit may be raised past what the count's int64 holds).
double text_parameters(const TextConfig& text, bool tied);

// Parameters of the model `config` describes, as the modules allocate them
// (equals CausalVlm::parameter_count of a model built from it).
int64_t parameter_count(const VlmConfig& config);

// Fails with one line naming `where` and the field when a size exceeds its
// ceiling (the decoder's here, the towers' by the family's check_tower_limits), the vocabulary io::limits::kVocabSize or the parameter count
// io::limits::kModelParameters (those two can be raised by environment variable).
void check_size_limits(const VlmConfig& config, const std::string& where);

}  // namespace vlsi::model
