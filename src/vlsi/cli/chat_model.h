#pragma once
// A model folder made ready for interactive use by generate, chat and
// verbalize: the model, its tokenizer (checked to belong to it), and prompts
// encoded exactly as training encodes them (SampleEncoder's ChatML, the
// model's image processor), plus the decoding flags those commands share.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "vlsi/data/collate.h"
#include "vlsi/data/record.h"
#include "vlsi/infer/generate.h"
#include "vlsi/model/causal_vlm.h"
#include "vlsi/model/model_bundle.h"

namespace vlsi::cli {

class ChatModel {
 public:
  // `dtype`: float32, bfloat16 or float16; empty = the model's own (config.json's dtype).
  ChatModel(const std::string& dir, const std::string& device, const std::string& dtype = "");

  // A conversation of alternating user/assistant turns ending with a user
  // turn, and its images in order, as ids ending in "<|im_start|>assistant\n"
  // and the images as the model's processor makes them.
  struct Prompt {
    std::vector<int64_t> ids;
    model::VisionInputs images;
  };
  Prompt encode(const std::vector<data::Turn>& turns, const std::vector<std::string>& images) const;

  // Pad id, stop ids (<|im_end|>, <|endoftext|>) and the tokenizer filled in.
  infer::GenerationOptions generation_options() const;

  const std::string& dir() const { return bundle_.dir; }
  model::CausalVlm& model() { return bundle_.model; }
  const text::Tokenizer& tokenizer() const { return encoder_.tokenizer(); }
  // The chat format and image processing encode() uses (vlsi forward renders with them too).
  const data::SampleEncoder& encoder() const { return encoder_; }
  const model::VisionProcessor& processor() const { return *bundle_.processor; }

 private:
  model::ModelBundle bundle_;
  data::SampleEncoder encoder_;
};

// The user turn for `prompt`, with the image placeholder first when it has an image.
data::Turn user_turn(const std::string& prompt, bool with_image);

// Decoding flags shared by generate, chat and verbalize.
struct DecodeFlags {
  int64_t max_new_tokens = 256;
  double temperature = 0.0;
  int64_t top_k = 0;
  double top_p = 1.0;
  uint64_t seed = 0;
  int64_t beams = 1;
  double length_penalty = 1.0;
  std::vector<std::string> stops;
  std::string device = "cpu";
  std::string dtype;  // empty: the model's own
  int64_t threads = 0;
  void apply(infer::GenerationOptions& o) const;
};
// Adds --max-new-tokens, --device, --dtype, --threads, and unless `greedy_only` the sampling, beam and stop flags.
void add_decode_flags(CLI::App* cmd, DecodeFlags& flags, bool greedy_only);
// Adds just --device, --dtype and --threads (for commands that load a model but do not decode).
void add_runtime_flags(CLI::App* cmd, std::string& device, std::string& dtype, int64_t& threads);

void register_verbalize_command(CLI::App& app);  // vlsi verbalize (registered by register_generate_commands)

}  // namespace vlsi::cli
