#include "vlsi/data/image.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "vlsi/data/jpeg.h"
#include "vlsi/data/png_chunks.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/image/pillow_resize.h"
#include "vlsi/io/error.h"
#include "vlsi/io/limits.h"
#include "vlsi/io/read_file.h"

// The only translation unit that compiles stb's implementations. stb decodes
// PNG only: its JPEG decoder differs from Pillow's libjpeg by up to 2/255.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#define STBI_ONLY_PNG
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>
#pragma GCC diagnostic pop

namespace vlsi::data {

std::string pixel_limit_problem(uint64_t width, uint64_t height) {
  const auto max_pixels = uint64_t(io::limit_value(io::limits::kImagePixels));
  if (width * height <= max_pixels) return "";  // JPEG and PNG sides are below 2^32: no overflow
  return std::to_string(width) + "x" + std::to_string(height) + " exceeds the limit of " +
         std::to_string(max_pixels) + " pixels; raise it with " + io::limits::kImagePixels.env + "=N";
}

Image decode_image(const std::string& bytes, const std::string& where) {
  if (is_jpeg(bytes)) return decode_jpeg(bytes, where);
  int w = 0, h = 0, channels = 0;
  check(bytes.size() <= size_t(std::numeric_limits<int>::max()), where, ": cannot decode image (",
        bytes.size(), " bytes, over stb's 2 GB limit)");
  if (stbi_info_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), int(bytes.size()), &w, &h, &channels) == 1) {
    const std::string problem = pixel_limit_problem(uint64_t(w), uint64_t(h));
    check(problem.empty(), where, ": cannot decode image (", problem, ")");
  }
  std::string cleaned;
  const std::string_view png = checked_png_chunks(bytes, cleaned, where);
  const auto* raw = reinterpret_cast<const stbi_uc*>(png.data());
  // stb's failure reason lives in a global; decoding may run on a loader
  // thread, so the reason is read right after the call on the same thread.
  stbi_uc* data = stbi_load_from_memory(raw, int(png.size()), &w, &h, &channels, 3);
  if (!data) fail(where, ": cannot decode image (", stbi_failure_reason(), ")");
  Image img;
  img.width = w;
  img.height = h;
  img.rgb.assign(data, data + size_t(w) * h * 3);
  stbi_image_free(data);
  return img;
}

Image load_image(const std::string& path) { return decode_image(io::read_file(path), path); }

std::string image_header_problem(const std::string& path, int* width, int* height) {
  std::string problem;
  int w = 0, h = 0, c = 0;
  try {  // a missing file, a folder, a FIFO: not an image (and never waited on)
    io::UniqueFile f = io::open_regular_stream(path);
    char head[3];
    const std::string magic(head, std::fread(head, 1, sizeof(head), f.get()));
    if (is_jpeg(magic))
      return probe_jpeg(path, width, height) ? "" : path + ": not a readable JPEG image (bad header, or over the pixel limit)";
    std::rewind(f.get());
    if (stbi_info_from_file(f.get(), &w, &h, &c) != 1 || w <= 0 || h <= 0)
      problem = path + ": not a PNG or JPEG image";
    else if (std::string limit = pixel_limit_problem(uint64_t(w), uint64_t(h)); !limit.empty())
      problem = path + ": image " + limit;
  } catch (const Error& e) {
    problem = e.what();
  }
  if (width) *width = w;
  if (height) *height = h;
  return problem;
}

bool probe_image(const std::string& path, int* width, int* height) {
  return image_header_problem(path, width, height).empty();
}

Image resize_bicubic(const Image& src, int width, int height) {
  return image::pillow_resize(src, width, height, image::Resample::kBicubic);
}

std::string encode_png(const Image& img) {
  check(img.width > 0 && img.height > 0 && img.rgb.size() == size_t(img.width) * img.height * 3,
        "encode_png: image buffer does not match its ", img.width, "x", img.height, " size");
  std::string bytes;
  auto sink = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), size_t(size));
  };
  int ok = stbi_write_png_to_func(sink, &bytes, img.width, img.height, 3, img.rgb.data(), img.width * 3);
  check(ok != 0, "encode_png: stb failed to encode a ", img.width, "x", img.height, " image");
  return bytes;
}

void write_png(const std::string& path, const Image& img) { io::write_file_atomic(path, encode_png(img)); }

}  // namespace vlsi::data
