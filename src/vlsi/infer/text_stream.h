#pragma once
// The text of one generated sample, token by token, for streaming it to a
// terminal and for stop strings. push() returns only text that is final:
// it holds back a trailing incomplete UTF-8 character and any tail that could
// still grow into a stop string, so a stop string is never printed, even in
// part. Special tokens (<|im_end|>, ...) contribute no text. Invalid UTF-8
// (a small model can produce any byte) becomes U+FFFD as in Tokenizer::decode,
// so the streamed pieces add up to decode(ids) cut before the stop string.
#include <cstdint>
#include <string>
#include <vector>

#include "vlsi/text/tokenizer.h"

namespace vlsi::infer {

class TextStream {
 public:
  TextStream(const text::Tokenizer& tokenizer, std::vector<std::string> stop_strings);

  // Adds a token; returns the text that became final (possibly empty).
  std::string push(int64_t id);
  // The held-back rest (nothing after a stop string). Call once at the end.
  std::string finish();
  // True once the text contains a stop string (the text ends before it).
  bool stopped() const { return stopped_; }

 private:
  // Re-reads the bytes (all of them when `final`) and returns the text that became final.
  std::string advance(bool final);

  text::Tokenizer tokenizer_;
  std::vector<std::string> stops_;
  std::string raw_;     // the tokens' bytes so far
  std::string text_;    // valid UTF-8 of raw_'s complete characters (cut before the stop string once stopped)
  size_t emitted_ = 0;  // bytes of text_ already returned
  bool stopped_ = false;
};

// Position of the earliest stop string in `text`, or npos.
size_t find_stop_string(const std::string& text, const std::vector<std::string>& stops);

}  // namespace vlsi::infer
