#pragma once
// 8-bit RGB images: decoding (PNG via stb, JPEG via libjpeg-turbo as Pillow
// does, data/jpeg.h), Pillow-exact bicubic resizing, and PNG writing for the
// benchmark generator. Turning pixels into model input is the model family's
// processor's job (model/vision_processor.h).
#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "vlsi/image/rgb_image.h"

namespace vlsi::data {

using Image = image::Image;  // 8-bit interleaved RGB

// Why an image whose header declares width x height is refused before any
// pixel buffer is allocated ("" when it is within io::limits::kImagePixels;
// Pillow's own bomb limit is 2 * 89.5M).
std::string pixel_limit_problem(uint64_t width, uint64_t height);

// Decodes PNG/JPEG (any channel count, converted to RGB; alpha is dropped),
// bit-identical to Pillow's Image.open(...).convert("RGB"). `where` names the
// source in the error.
Image decode_image(const std::string& bytes, const std::string& where);
Image load_image(const std::string& path);
// Reads only the header: "" if the file is a PNG/JPEG decode_image takes on,
// else why not, as one line naming `path` (missing, a FIFO, not an image, too large).
std::string image_header_problem(const std::string& path, int* width = nullptr, int* height = nullptr);
bool probe_image(const std::string& path, int* width = nullptr, int* height = nullptr);

// Pillow's Image.resize((w, h), Image.BICUBIC), bit for bit (image/pillow_resize.h).
Image resize_bicubic(const Image& src, int width, int height);

// PNG bytes of the image (deterministic: same pixels -> same bytes).
std::string encode_png(const Image& img);
void write_png(const std::string& path, const Image& img);

}  // namespace vlsi::data
