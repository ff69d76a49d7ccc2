#include "vlsi/model/config_limits.h"

#include "vlsi/io/error.h"
#include "vlsi/io/limits.h"

namespace vlsi::model {
namespace {

using L = ConfigSizeLimits;

void check_at_most(int64_t value, int64_t limit, const std::string& where, const char* field) {
  check(value <= limit, where, ": field '", field, "' is ", value, ", more than the limit of ", limit);
}

// The sizes text and vision towers share (same field names in both configs).
template <typename TowerConfig>
void check_tower(const TowerConfig& c, const std::string& where) {
  check_at_most(c.num_hidden_layers, L::kLayers, where, "num_hidden_layers");
  check_at_most(c.hidden_size, L::kHiddenSize, where, "hidden_size");
  check_at_most(c.num_attention_heads, L::kHeads, where, "num_attention_heads");
  check_at_most(c.intermediate_size, L::kIntermediateSize, where, "intermediate_size");
}

// N: int64_t for the exact count, double for the limit check (a vocabulary
// limit raised by environment variable must not overflow the check).
template <typename N>
N text_parameters(const TextConfig& c, bool tied) {
  const N H = c.hidden_size, kv = c.num_key_value_heads * c.head_dim();
  const N attention = (H * H + H) + 2 * (H * kv + kv) + H * H;  // q, k, v with bias; o without
  const N mlp = 3 * H * N(c.intermediate_size);
  const N layer = attention + mlp + 2 * H;  // two RMS norms
  return N(c.vocab_size) * H * N(tied ? 1 : 2) + N(c.num_hidden_layers) * layer + H;
}

template <typename N>
N vision_parameters(const VisionConfig& c) {
  const N H = N(c.hidden_size), I = N(c.intermediate_size);
  const N embeddings = N(c.num_channels) * N(c.patch_size) * N(c.patch_size) * H + H + N(c.num_patches()) * H;
  const N layer = 4 * (H * H + H) + 2 * H * I + I + H + 4 * H;  // attention, mlp, two layer norms
  return embeddings + N(c.num_hidden_layers) * layer + 2 * H;    // + post_layernorm
}

template <typename N>
N all_parameters(const VlmConfig& c) {
  const N Hv = N(c.vision_config.hidden_size), Ht = N(c.text_config.hidden_size);
  const N projector = Hv * Ht + Ht * Ht + N(c.multimodal_projector_bias ? 2 : 0) * Ht;
  const N image_newline = Ht;
  return vision_parameters<N>(c.vision_config) + projector + text_parameters<N>(c.text_config, c.tie_word_embeddings) +
         image_newline;
}

}  // namespace

int64_t parameter_count(const VlmConfig& c) { return all_parameters<int64_t>(c); }

void check_size_limits(const VlmConfig& c, const std::string& where) {
  const TextConfig& t = c.text_config;
  const std::string tw = where + ": text_config";
  check_tower(t, tw);
  check_at_most(t.max_position_embeddings, L::kPositions, tw, "max_position_embeddings");
  const int64_t max_vocab = io::limit_value(io::limits::kVocabSize);
  check(t.vocab_size <= max_vocab, tw, ": field 'vocab_size' is ", t.vocab_size, ", more than the limit of ", max_vocab,
        "; raise it with ", io::limits::kVocabSize.env, "=N");

  const VisionConfig& v = c.vision_config;
  const std::string vw = where + ": vision_config";
  check_tower(v, vw);
  check_at_most(v.image_size, L::kImageSize, vw, "image_size");
  check_at_most(v.num_channels, L::kChannels, vw, "num_channels");
  check(v.num_patches() <= L::kPatchesPerTile, vw, ": image_size ", v.image_size, " / patch_size ", v.patch_size,
        " gives ", v.num_patches(), " patches per tile, more than the limit of ", L::kPatchesPerTile);

  check(int64_t(c.image_grid_pinpoints.size()) <= L::kPinpoints, where, ": field 'image_grid_pinpoints' has ",
        c.image_grid_pinpoints.size(), " entries, more than the limit of ", L::kPinpoints);
  for (const auto& p : c.image_grid_pinpoints)
    check(p[0] <= L::kPinpointSide && p[1] <= L::kPinpointSide, where, ": image_grid_pinpoint [", p[0], ", ", p[1],
          "] has a side over the limit of ", L::kPinpointSide, " pixels");

  const double params = all_parameters<double>(c);
  const int64_t max_params = io::limit_value(io::limits::kModelParameters);
  check(params <= double(max_params), where, ": the config describes ", int64_t(params),
        " parameters, more than the limit of ", max_params, "; raise it with ", io::limits::kModelParameters.env, "=N");
}

}  // namespace vlsi::model
