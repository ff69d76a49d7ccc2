// libFuzzer target: encoding arbitrary bytes (invalid UTF-8 included) with a
// real tokenizer: $VLSI_FUZZ_TOKENIZER (make fuzz points it at the Qwen3
// tokenizer.json of tests/data), else a small BPE trained on the spot.
#include <cstdlib>

#include "fuzz/fuzz_support.h"
#include "fuzz/tokenizer_checks.h"
#include "vlsi/text/bpe_trainer.h"
#include "vlsi/text/normalizer.h"
#include "vlsi/text/tokenizer.h"

namespace {

vlsi::text::Tokenizer make_tokenizer() {
  if (const char* path = std::getenv("VLSI_FUZZ_TOKENIZER"); path && *path)
    return vlsi::text::Tokenizer::from_file(path);
  vlsi::text::BpeTrainerOptions opt;
  opt.vocab_size = 400;
  opt.special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>"};
  vlsi::text::BpeTrainer trainer(opt);
  trainer.add_text("What colour is the triangle? Answer with one word. caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 123 4567");
  return vlsi::text::Tokenizer::from_json(trainer.train(), "trained tokenizer");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const vlsi::text::Tokenizer tok = make_tokenizer();
  static const auto normalizer = vlsi::text::Normalizer::from_json(tok.to_json()["normalizer"], "tokenizer");
  // Not wrapped: a valid tokenizer must encode any bytes without an error.
  vlsi::fuzz::check_encode_decode(tok, std::string_view(reinterpret_cast<const char*>(data), size), &normalizer);
  return 0;
}
