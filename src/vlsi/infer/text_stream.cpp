#include "vlsi/infer/text_stream.h"

#include <algorithm>

#include "vlsi/io/error.h"
#include "vlsi/text/utf8.h"

namespace vlsi::infer {
namespace {

// Length of `s` without a trailing incomplete UTF-8 character (it may still be completed).
size_t complete_prefix(const std::string& s) {
  for (size_t back = 1; back <= 4 && back <= s.size(); ++back) {
    unsigned char c = static_cast<unsigned char>(s[s.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: look further back for the lead
    size_t need = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    return need > back ? s.size() - back : s.size();
  }
  return s.size();
}

// Length of `text` without its longest tail that is a proper prefix of a stop string.
size_t without_stop_prefix(const std::string& text, const std::vector<std::string>& stops) {
  size_t end = text.size();
  for (const auto& s : stops)
    for (size_t k = std::min(s.size() - 1, text.size()); k > 0; --k)
      if (text.compare(text.size() - k, k, s, 0, k) == 0) {
        end = std::min(end, text.size() - k);
        break;
      }
  return end;
}

}  // namespace

size_t find_stop_string(const std::string& text, const std::vector<std::string>& stops) {
  size_t best = std::string::npos;
  for (const auto& s : stops) best = std::min(best, text.find(s));
  return best;
}

TextStream::TextStream(const text::Tokenizer& tokenizer, std::vector<std::string> stop_strings)
    : tokenizer_(tokenizer), stops_(std::move(stop_strings)) {
  for (const auto& s : stops_) check(!s.empty(), "stop strings: an empty stop string would stop at once");
}

std::string TextStream::push(int64_t id) {
  if (stopped_) return "";
  raw_ += tokenizer_.decode_bytes({id}, /*skip_special=*/true);
  return advance(false);
}

std::string TextStream::finish() { return advance(true); }

std::string TextStream::advance(bool final) {
  if (!stopped_) {
    // Decoding is prefix-stable when cut before an incomplete character, so
    // text_ only ever grows at its end.
    std::string_view bytes(raw_.data(), final ? raw_.size() : complete_prefix(raw_));
    text_ = text::is_valid_utf8(bytes) ? std::string(bytes) : text::sanitize_utf8(bytes);
    size_t stop = find_stop_string(text_, stops_);
    if (stop != std::string::npos) {
      text_.resize(std::max(stop, emitted_));
      stopped_ = true;
    }
  }
  size_t end = stopped_ || final ? text_.size() : without_stop_prefix(text_, stops_);
  end = std::max(end, emitted_);
  std::string out = text_.substr(emitted_, end - emitted_);
  emitted_ = end;
  return out;
}

}  // namespace vlsi::infer
