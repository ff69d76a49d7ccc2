#include "vlsi/text/jinja/source_text.h"

#include <algorithm>

namespace vlsi::text::jinja {

SourceText::SourceText(const std::string& raw, std::string name) : name_(std::move(name)) {
  text_.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r') {
      text_ += '\n';
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    } else {
      text_ += raw[i];
    }
  }
  if (!text_.empty() && text_.back() == '\n') text_.pop_back();
  line_starts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
}

std::string SourceText::where(size_t offset) const {
  offset = std::min(offset, text_.size());
  const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - 1;
  size_t col = 1;
  for (size_t i = *it; i < offset; ++i)
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++col;  // count code points, not bytes
  return name_ + ":" + std::to_string(it - line_starts_.begin() + 1) + ":" + std::to_string(col);
}

std::string SourceText::message(size_t offset, const std::string& what) const { return where(offset) + ": " + what; }

}  // namespace vlsi::text::jinja
