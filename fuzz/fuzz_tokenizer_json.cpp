// libFuzzer target: loading a tokenizer.json (vocabulary, merges, added
// tokens, normaliser, pre-tokeniser, decoder), then encoding and decoding a
// few fixed texts with it, invalid UTF-8 among them.
#include "fuzz/fuzz_support.h"
#include "fuzz/tokenizer_checks.h"
#include "vlsi/io/json_util.h"
#include "vlsi/text/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const texts[] = {
      "Hello, world! 123 4567",
      "<|im_start|>user\n<image>\nWhat colour?<|im_end|>\n",
      "caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80  \t\n\n x",
      "bad \xFF\xFE utf-8 \xC3( \xE2\x82 \xF0\x9F\x98 \xED\xA0\x80 end",
  };
  vlsi::fuzz::expect_only_vlsi_errors([&] {
    const auto j = vlsi::io::parse_json(std::string_view(reinterpret_cast<const char*>(data), size), "tokenizer.json");
    const auto tok = vlsi::text::Tokenizer::from_json(j, "tokenizer.json");
    for (const char* t : texts) vlsi::fuzz::check_encode_decode(tok, t);
    // What vlsi saves it must load again.
    vlsi::text::Tokenizer::from_json(tok.to_json(), "saved tokenizer.json");
  });
  return 0;
}
