#pragma once
// A small byte-level BPE tokenizer trained on the spot with the project's
// own trainer, carrying the ChatML, padding and image special tokens: the
// real Tokenizer class, small enough that tests run in milliseconds.
#include "vlsi/text/bpe_trainer.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::data::testing {

inline text::Tokenizer tiny_tokenizer() {
  text::BpeTrainerOptions opt;
  opt.vocab_size = 420;
  opt.special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>"};
  opt.min_frequency = 2;
  text::BpeTrainer trainer(opt);
  for (int i = 0; i < 3; ++i) {
    trainer.add_text("What colour is the triangle? Answer with one word. red green blue yellow purple orange");
    trainer.add_text("How many circles are there? Answer with a number. Is the red square left of the blue circle?");
    trainer.add_text("You are a helpful assistant. user assistant system The shapes follow a pattern.");
  }
  return text::Tokenizer::from_json(trainer.train(), "tiny tokenizer");
}

}  // namespace vlsi::data::testing
