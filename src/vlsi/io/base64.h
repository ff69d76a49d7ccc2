#pragma once
// Standard base64 (RFC 4648, "+/" alphabet, "=" padding), as Python's
// base64.b64encode writes it and VLMEvalKit stores images in its TSVs.
#include <string>
#include <string_view>

namespace vlsi::io {

std::string encode_base64(std::string_view bytes);

// Decodes standard base64; whitespace (line breaks of wrapped output) is
// skipped. Any other character outside the alphabet, a wrong length or bad
// padding fails with one line naming `where`.
std::string decode_base64(std::string_view text, const std::string& where);

}  // namespace vlsi::io
