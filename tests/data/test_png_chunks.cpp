// Regression tests of two fuzzing findings (docs/reliability.md, "Findings";
// data/png_chunks.h): stb_image copied a zero-length IDAT chunk with
// memcpy(NULL, src, 0), which UBSan reports (make test-asan runs these tests
// instrumented), and allocated what an IDAT chunk claims before reading it.
#include <gtest/gtest.h>

#include <cstdint>

#include "test_util.h"
#include "vlsi/data/image.h"
#include "vlsi/data/png_chunks.h"
#include "vlsi/io/error.h"

using namespace vlsi::data;

namespace {

uint32_t png_crc32(const std::string& bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

std::string png_be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

// A chunk with a correct CRC, so Pillow (which checks CRCs) reads it too.
std::string png_chunk(const std::string& type, const std::string& data) {
  return png_be32(uint32_t(data.size())) + type + data + png_be32(png_crc32(type + data));
}

}  // namespace

TEST(PngChunks, EmptyIdatChunksAreDroppedAndThePixelsMatchPillow) {
  Image img(5, 4);
  for (size_t i = 0; i < img.rgb.size(); ++i) img.rgb[i] = uint8_t(i * 37);
  const std::string png = encode_png(img);
  const size_t idat = png.find("IDAT") - 4;  // the writer's only IDAT
  // Empty IDATs first (stb's buffer still NULL: the UB) and between chunks.
  const std::string hostile = png.substr(0, idat) + png_chunk("IDAT", "") + png_chunk("IDAT", "") + png.substr(idat);
  std::string storage;
  EXPECT_EQ(std::string(checked_png_chunks(hostile, storage, "hostile.png")), png);
  EXPECT_EQ(checked_png_chunks(png, storage, "ok.png").data(), png.data());  // nothing to drop: no copy
  const Image back = decode_image(hostile, "hostile.png");
  EXPECT_EQ(back.width, 5);
  EXPECT_EQ(back.rgb, img.rgb);

  const std::string dir = vlsi::data::testing::scratch_dir("pillow");
  vlsi::data::testing::write_text(dir + "/hostile.png", hostile);
  vlsi::data::testing::write_text(dir + "/read.py",
                      "import sys\nfrom PIL import Image\n"
                      "sys.stdout.buffer.write(Image.open(sys.argv[1]).convert('RGB').tobytes().hex().encode())\n");
  std::string out;
  ASSERT_EQ(vlsi::data::testing::run_python(dir + "/read.py", dir + "/hostile.png", &out), 0) << out;
  std::string expected;
  for (uint8_t v : img.rgb) expected += "0123456789abcdef"[v >> 4], expected += "0123456789abcdef"[v & 15];
  EXPECT_EQ(out, expected);
}

TEST(PngChunks, TheFuzzersReproducerIsAOneLineErrorOrAnImage) {
  // fuzz/fuzz_image.cpp's input: a 16-bit grey 5x4 header, an empty IDAT, then garbage.
  const unsigned char repro[] = {
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
      0x00, 0x05, 0x00, 0x00, 0x00, 0x04, 0x10, 0x00, 0x00, 0x00, 0x00, 0x33, 0xc8, 0x76, 0xdf, 0x00, 0x00, 0x00,
      0x00, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x05, 0xc1, 0xb1, 0x11, 0x80, 0x30, 0x00, 0x00, 0x00, 0xf2, 0x78,
      0xe7, 0x05, 0xbb, 0xca, 0x06, 0x67, 0xc8, 0xfe, 0x03, 0xb1, 0x04, 0x1d, 0xd2, 0x65, 0x89, 0x36, 0x52, 0x31,
      0x1e, 0x5a, 0x9a, 0x23, 0xc6, 0xb8, 0xcb, 0x16, 0xab, 0x04, 0xfd, 0x2b, 0x23, 0x03, 0x8d, 0x96, 0x08, 0x96,
      0x8f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
  const std::string bytes(reinterpret_cast<const char*>(repro), sizeof(repro));
  try {
    const Image img = decode_image(bytes, "repro.png");
    EXPECT_EQ(img.rgb.size(), size_t(img.width) * img.height * 3);
  } catch (const vlsi::Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}

TEST(PngChunks, AChunkClaimingMoreThanTheFileIsRefusedBeforeStbAllocatesIt) {
  // fuzz/fuzz_image.cpp's input: 135 bytes whose second IDAT claims 2,023,491,009 bytes,
  // for which stb reallocated 2 GB before finding the data missing.
  const unsigned char repro[] = {
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
      0x00, 0x05, 0x00, 0x00, 0x00, 0x04, 0x10, 0x00, 0x00, 0x00, 0x00, 0x2d, 0xc8, 0x76, 0xdf, 0x00, 0x00, 0x00,
      0x2e, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x05, 0xc1, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x05, 0xc1, 0xb1,
      0x11, 0x80, 0x30, 0x0c, 0x04, 0x30, 0x71, 0xe7, 0x03, 0xb1, 0x04, 0x1d, 0xd2, 0x65, 0x89, 0x36, 0x52, 0x1e,
      0x31, 0x5a, 0x97, 0x23, 0xc6, 0xb8, 0xcb, 0x16, 0xc8, 0x76, 0xdf, 0x00, 0x00, 0x00, 0x2e, 0x49, 0x44, 0x41,
      0x54, 0x78, 0x9c, 0x05, 0xc1, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x05, 0xc1, 0xb1, 0x11, 0x80, 0x30, 0x0c,
      0x04, 0x30, 0x71, 0xe7, 0xed, 0xf5, 0x00, 0x00, 0x00, 0x00, 0x8d, 0x96, 0x08, 0x96, 0x8f, 0x00, 0x00, 0x00,
      0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
  const std::string bytes(reinterpret_cast<const char*>(repro), sizeof(repro));
  try {
    decode_image(bytes, "claims.png");
    FAIL() << "expected an error";
  } catch (const vlsi::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("claims.png: cannot decode image (image file is truncated: the chunk at byte"), std::string::npos)
        << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
  }
  // Cut anywhere after the signature, a PNG is refused as truncated (no IEND).
  const std::string png = encode_png(Image(4, 4, 9));
  for (size_t cut : {size_t(8), size_t(20), png.size() - 13, png.size() - 1}) {
    std::string storage;
    EXPECT_THROW(checked_png_chunks(png.substr(0, cut), storage, "cut.png"), vlsi::Error) << cut;
  }
}
