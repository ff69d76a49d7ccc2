#include "vlsi/data/png_chunks.h"

#include <cstdint>
#include <vector>

#include "vlsi/io/error.h"

namespace vlsi::data {
namespace {

constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
constexpr size_t kFrame = 12;  // length, type, CRC around the data

uint32_t be32(std::string_view s, size_t at) {
  return uint32_t(uint8_t(s[at])) << 24 | uint32_t(uint8_t(s[at + 1])) << 16 | uint32_t(uint8_t(s[at + 2])) << 8 |
         uint32_t(uint8_t(s[at + 3]));
}

}  // namespace

std::string_view checked_png_chunks(std::string_view png, std::string& storage, const std::string& where) {
  if (png.substr(0, kSignature.size()) != kSignature) return png;
  std::vector<size_t> empty_idat;  // offsets of the chunks to drop
  size_t pos = kSignature.size();
  for (;;) {
    check(png.size() - pos >= kFrame, where, ": cannot decode image (image file is truncated: no IEND chunk)");
    const uint64_t len = be32(png, pos);
    check(len <= png.size() - pos - kFrame, where, ": cannot decode image (image file is truncated: the chunk at byte ",
          pos, " claims ", len, " bytes, ", png.size() - pos - kFrame, " follow)");
    const std::string_view type = png.substr(pos + 4, 4);
    if (len == 0 && type == "IDAT") empty_idat.push_back(pos);
    if (type == "IEND") break;
    pos += kFrame + len;
  }
  if (empty_idat.empty()) return png;
  storage.clear();
  storage.reserve(png.size());
  size_t from = 0;
  for (size_t at : empty_idat) {
    storage.append(png.substr(from, at - from));
    from = at + kFrame;
  }
  storage.append(png.substr(from));
  return storage;
}

}  // namespace vlsi::data
