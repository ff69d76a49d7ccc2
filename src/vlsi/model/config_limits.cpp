#include "vlsi/model/config_limits.h"

#include "vlsi/io/error.h"
#include "vlsi/io/limits.h"
#include "vlsi/model/registry.h"

namespace vlsi::model {
namespace {

using L = ConfigSizeLimits;

}  // namespace

void check_at_most(int64_t value, int64_t limit, const std::string& where, const char* field) {
  check(value <= limit, where, ": field '", field, "' is ", value, ", more than the limit of ", limit);
}

double text_parameters(const TextConfig& c, bool tied) {
  using N = double;  // a vocabulary limit raised by environment variable must not overflow the count
  const N H = N(c.hidden_size), kv = N(c.num_key_value_heads * c.head_dim());
  const N attention = (H * H + H) + 2 * (H * kv + kv) + H * H;  // q, k, v with bias; o without
  const N mlp = 3 * H * N(c.intermediate_size);
  const N layer = attention + mlp + 2 * H;  // two RMS norms
  return N(c.vocab_size) * H * N(tied ? 1 : 2) + N(c.num_hidden_layers) * layer + H;
}

void check_text_limits(const TextConfig& t, const std::string& tw) {
  check_at_most(t.num_hidden_layers, L::kLayers, tw, "num_hidden_layers");
  check_at_most(t.hidden_size, L::kHiddenSize, tw, "hidden_size");
  check_at_most(t.num_attention_heads, L::kHeads, tw, "num_attention_heads");
  check_at_most(t.intermediate_size, L::kIntermediateSize, tw, "intermediate_size");
  check_at_most(t.max_position_embeddings, L::kPositions, tw, "max_position_embeddings");
  const int64_t max_vocab = io::limit_value(io::limits::kVocabSize);
  check(t.vocab_size <= max_vocab, tw, ": field 'vocab_size' is ", t.vocab_size, ", more than the limit of ", max_vocab,
        "; raise it with ", io::limits::kVocabSize.env, "=N");
}

int64_t parameter_count(const VlmConfig& c) {
  return int64_t(model_family(c.model_type, "model config").parameter_count(c));
}

void check_size_limits(const VlmConfig& c, const std::string& where) {
  check_text_limits(c.text_config, where + ": text_config");
  const ModelFamily& family = model_family(c.model_type, where);
  if (family.check_tower_limits) family.check_tower_limits(c, where);
  const double params = family.parameter_count(c);
  const int64_t max_params = io::limit_value(io::limits::kModelParameters);
  check(params <= double(max_params), where, ": the config describes ", int64_t(params),
        " parameters, more than the limit of ", max_params, "; raise it with ", io::limits::kModelParameters.env, "=N");
}

}  // namespace vlsi::model
