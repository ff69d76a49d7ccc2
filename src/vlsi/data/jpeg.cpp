#include "vlsi/data/jpeg.h"

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include <jerror.h>
#include <jpeglib.h>

#include "vlsi/io/error.h"
#include "vlsi/io/read_file.h"

// Pillow's JpegImagePlugin/JpegDecode.c, for Image.open(p).convert("RGB"):
//  - the mode comes from the component count: 1 -> "L", 3 -> "RGB", 4 -> "CMYK";
//  - jpeg_color_space is libjpeg's own guess (Pillow passes no jpegmode), and
//    out_color_space is JCS_GRAYSCALE / JCS_RGB / JCS_CMYK for those modes;
//  - dct_method, do_fancy_upsampling and block smoothing keep libjpeg's
//    defaults (JDCT_ISLOW, fancy on), no scaling (no draft());
//  - CMYK is read as "CMYK;I" (Adobe's inverted polarity) and converted by
//    Pillow's cmyk2rgb, grey is replicated into R, G and B;
//  - warnings are dropped (its output_message is empty), errors raise;
//  - running out of data before the last scanline raises "image file is
//    truncated"; a missing EOI after the last scanline is accepted.

namespace vlsi::data {

namespace {

// Everything libjpeg's callbacks touch. It lives in the caller's frame and is
// built before setjmp, so a longjmp out of libjpeg skips no destructor.
struct JpegSession {
  jpeg_decompress_struct cinfo{};
  jpeg_error_mgr err{};
  jpeg_source_mgr src{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = {};
  bool created = false;
  bool finishing = false;  // past the last scanline: a missing EOI is fine
  bool truncated = false;
  std::FILE* file = nullptr;  // streamed source (probe); else `memory`
  const std::string* memory = nullptr;
  std::vector<JOCTET> chunk;
  std::vector<uint8_t> row;  // one decoded scanline (grey and CMYK)

  ~JpegSession() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
};

JpegSession* session_of(j_common_ptr cinfo) { return static_cast<JpegSession*>(cinfo->client_data); }

[[noreturn]] void jpeg_on_error(j_common_ptr cinfo) {
  JpegSession* s = session_of(cinfo);
  (*cinfo->err->format_message)(cinfo, s->message);
  std::longjmp(s->jump, 1);
}

void jpeg_on_output_message(j_common_ptr) {}  // as Pillow: warnings are not reported

void jpeg_src_init(j_decompress_ptr) {}
void jpeg_src_term(j_decompress_ptr) {}

// Called when the buffered input is used up.
boolean jpeg_src_fill(j_decompress_ptr cinfo) {
  JpegSession* s = session_of(reinterpret_cast<j_common_ptr>(cinfo));
  if (s->file && !s->chunk.empty()) {
    size_t n = std::fread(s->chunk.data(), 1, s->chunk.size(), s->file);
    if (n > 0) {
      cinfo->src->next_input_byte = s->chunk.data();
      cinfo->src->bytes_in_buffer = n;
      return TRUE;
    }
  }
  if (s->finishing) {
    // Pillow's finish_decompress may suspend for want of an EOI once every row
    // is out, and it keeps the image: hand libjpeg the EOI it waits for.
    static const JOCTET eoi[2] = {0xFF, JPEG_EOI};
    cinfo->src->next_input_byte = eoi;
    cinfo->src->bytes_in_buffer = 2;
    return TRUE;
  }
  s->truncated = true;
  ERREXIT(cinfo, JERR_INPUT_EOF);
  return FALSE;
}

void jpeg_src_skip(j_decompress_ptr cinfo, long count) {
  if (count <= 0) return;
  jpeg_source_mgr* src = cinfo->src;
  size_t left = size_t(count);
  while (left > src->bytes_in_buffer) {
    left -= src->bytes_in_buffer;
    src->bytes_in_buffer = 0;
    jpeg_src_fill(cinfo);
  }
  src->next_input_byte += left;
  src->bytes_in_buffer -= left;
}

// Error manager and source, then the header. No object with a destructor is
// created in a frame between setjmp and libjpeg (see JpegSession).
bool jpeg_read_frame_header(JpegSession& s) {
  s.cinfo.err = jpeg_std_error(&s.err);
  s.err.error_exit = jpeg_on_error;
  s.err.output_message = jpeg_on_output_message;
  s.cinfo.client_data = &s;
  if (setjmp(s.jump)) return false;
  jpeg_create_decompress(&s.cinfo);
  s.created = true;
  s.cinfo.client_data = &s;  // jpeg_create_decompress clears the struct
  s.src.init_source = jpeg_src_init;
  s.src.fill_input_buffer = jpeg_src_fill;
  s.src.skip_input_data = jpeg_src_skip;
  s.src.resync_to_restart = jpeg_resync_to_restart;
  s.src.term_source = jpeg_src_term;
  if (s.memory) {
    s.src.next_input_byte = reinterpret_cast<const JOCTET*>(s.memory->data());
    s.src.bytes_in_buffer = s.memory->size();
  }
  s.cinfo.src = &s.src;
  if (jpeg_read_header(&s.cinfo, TRUE) != JPEG_HEADER_OK) {
    std::snprintf(s.message, sizeof(s.message), "no image in the JPEG stream (tables only)");
    return false;
  }
  return true;
}

// What Pillow refuses, or what would not fit: an empty string when fine.
std::string jpeg_unsupported(const jpeg_decompress_struct& c) {
  const int n = c.num_components;
  if (n != 1 && n != 3 && n != 4) return "cannot handle " + std::to_string(n) + "-layer images";
  if (c.data_precision != 8) return "cannot handle " + std::to_string(c.data_precision) + "-bit layers";
  return pixel_limit_problem(c.image_width, c.image_height);
}

// Pillow's Convert.c cmyk2rgb after its "CMYK;I" unpacker inverted the bytes.
inline uint8_t jpeg_cmyk_channel(int ink, int not_k) {
  int t = ink * not_k + 128;
  int v = not_k - (((t >> 8) + t) >> 8);
  return uint8_t(v < 0 ? 0 : v);
}

// Decodes every scanline into `rgb` (width * height * 3 bytes, allocated).
bool jpeg_read_pixels(JpegSession& s, uint8_t* rgb) {
  if (setjmp(s.jump)) return false;
  jpeg_decompress_struct& c = s.cinfo;
  const int n = c.num_components;
  c.out_color_space = n == 1 ? JCS_GRAYSCALE : (n == 3 ? JCS_RGB : JCS_CMYK);
  jpeg_start_decompress(&c);
  const size_t width = c.output_width;
  const size_t stride = width * 3;
  while (c.output_scanline < c.output_height) {
    uint8_t* out = rgb + size_t(c.output_scanline) * stride;
    JSAMPROW row = n == 3 ? out : s.row.data();
    if (jpeg_read_scanlines(&c, &row, 1) != 1) {
      std::snprintf(s.message, sizeof(s.message), "decoder suspended");
      return false;
    }
    if (n == 1) {
      for (size_t x = 0; x < width; ++x) out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = row[x];
    } else if (n == 4) {
      for (size_t x = 0; x < width; ++x) {
        const uint8_t* p = row + 4 * x;
        const int not_k = p[3];  // 255 - (255 - k): the inverted K byte
        for (int ch = 0; ch < 3; ++ch) out[3 * x + ch] = jpeg_cmyk_channel(255 - p[ch], not_k);
      }
    }
  }
  s.finishing = true;
  jpeg_finish_decompress(&c);
  return true;
}

std::string jpeg_reason(const JpegSession& s) {
  return s.truncated ? std::string("image file is truncated") : std::string(s.message);
}

}  // namespace

bool is_jpeg(const std::string& bytes) {
  return bytes.size() >= 3 && uint8_t(bytes[0]) == 0xFF && uint8_t(bytes[1]) == 0xD8 && uint8_t(bytes[2]) == 0xFF;
}

Image decode_jpeg(const std::string& bytes, const std::string& where) {
  auto s = std::make_unique<JpegSession>();
  s->memory = &bytes;
  if (!jpeg_read_frame_header(*s)) fail(where, ": cannot decode image (", jpeg_reason(*s), ")");
  const std::string refused = jpeg_unsupported(s->cinfo);
  if (!refused.empty()) fail(where, ": cannot decode image (", refused, ")");
  Image img;
  img.width = int(s->cinfo.image_width);
  img.height = int(s->cinfo.image_height);
  img.rgb.resize(size_t(img.width) * img.height * 3);
  s->row.resize(size_t(img.width) * s->cinfo.num_components);
  if (!jpeg_read_pixels(*s, img.rgb.data())) fail(where, ": cannot decode image (", jpeg_reason(*s), ")");
  check(int(s->cinfo.output_width) == img.width && int(s->cinfo.output_height) == img.height, where,
        ": cannot decode image (output size differs from the header's)");
  return img;
}

bool probe_jpeg(const std::string& path, int* width, int* height) {
  io::UniqueFile f(nullptr, &std::fclose);
  try {
    f = io::open_regular_stream(path);
  } catch (const Error&) {
    return false;
  }
  auto s = std::make_unique<JpegSession>();
  s->file = f.get();
  s->chunk.resize(64 * 1024);
  bool ok = jpeg_read_frame_header(*s) && jpeg_unsupported(s->cinfo).empty();
  if (width) *width = ok ? int(s->cinfo.image_width) : 0;
  if (height) *height = ok ? int(s->cinfo.image_height) : 0;
  return ok;
}

}  // namespace vlsi::data
