#pragma once
// Resource limits on what vlsi reads from files and flags: a hostile or corrupt
// input that claims more is refused with one line before anything is allocated.
// Each limit has a default; those a user may legitimately need to exceed read an
// environment variable that raises them (docs/reliability.md, "Limits").
#include <cstdint>
#include <string>

namespace vlsi::io {

struct Limit {
  const char* what;       // for messages: "image pixels"
  const char* env;        // variable that overrides the default; nullptr = fixed
  int64_t default_value;
};

namespace limits {
// Bytes of one file read whole (JSON, JSONL, images, templates).
inline constexpr Limit kFileBytes{"file size in bytes", "VLSI_MAX_FILE_BYTES", int64_t(2) << 30};
// Nesting of arrays/objects in any JSON vlsi reads (real files use < 20).
inline constexpr Limit kJsonDepth{"JSON nesting depth", nullptr, 512};
// width * height an image header may declare (Pillow warns from 89.5M).
inline constexpr Limit kImagePixels{"image pixels", "VLSI_MAX_IMAGE_PIXELS", 100'000'000};
// Token ids of a tokenizer and a model's vocab_size (real vocabularies: < 300k).
inline constexpr Limit kVocabSize{"vocabulary size", "VLSI_MAX_VOCAB", int64_t(1) << 22};
// Parameters a model config may describe (LLaVA-OneVision's largest: 73B).
inline constexpr Limit kModelParameters{"model parameters", "VLSI_MAX_MODEL_PARAMS", 200'000'000'000};
// Beams of beam search (each holds a KV cache; exhaustive search over a small
// test vocabulary takes a few hundred).
inline constexpr Limit kBeams{"beams", "VLSI_MAX_BEAMS", 1024};
}  // namespace limits

// The limit in force: the environment variable's value when set (a positive
// integer, else an error naming the variable), else the default.
int64_t limit_value(const Limit& limit);

// " (limit N; raise it with VAR=...)" or " (limit N)" for a fixed one: the tail
// of an error message about `limit`.
std::string limit_note(const Limit& limit);

}  // namespace vlsi::io
