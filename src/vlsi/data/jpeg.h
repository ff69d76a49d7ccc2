#pragma once
// JPEG decoding through libjpeg-turbo with the settings Pillow's decoder uses,
// so decode_jpeg(bytes) equals Image.open(p).convert("RGB") byte for byte.
#include <string>

#include "vlsi/data/image.h"

namespace vlsi::data {

// True if the bytes start with a JPEG start-of-image marker.
bool is_jpeg(const std::string& bytes);

// Decodes a baseline or progressive 8-bit JPEG with 1, 3 or 4 components.
// `where` names the source in the one-line error for a corrupt, truncated,
// unsupported or oversized (> kMaxImagePixels) image.
Image decode_jpeg(const std::string& bytes, const std::string& where);

// Reads only the markers up to the frame header: true if libjpeg accepts them
// and the image is one decode_jpeg would take on (size and component count).
bool probe_jpeg(const std::string& path, int* width, int* height);

}  // namespace vlsi::data
