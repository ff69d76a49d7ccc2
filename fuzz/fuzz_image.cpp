// libFuzzer target: image decoding (PNG through stb, JPEG through
// libjpeg-turbo) from memory, and the header-only probe, which takes a path
// (the input goes to a scratch file). An image decode accepts, probe accepts
// with the same size.
#include "fuzz/fuzz_support.h"
#include "vlsi/data/image.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // A 100-megapixel image (the default limit) takes seconds to inflate under
  // ASan; the limit logic is the same at 4 megapixels, unless the caller set one.
  setenv("VLSI_MAX_IMAGE_PIXELS", "4000000", /*overwrite=*/0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  bool decoded = false;
  vlsi::data::Image img;
  vlsi::fuzz::expect_only_vlsi_errors([&] {
    img = vlsi::data::decode_image(bytes, "image");
    decoded = true;
  });
  if (decoded)
    vlsi::fuzz::require(img.width > 0 && img.height > 0 && img.rgb.size() == size_t(img.width) * img.height * 3,
                        "a decoded image has its pixels");
  const std::string path = vlsi::fuzz::write_scratch("image", bytes);
  int w = 0, h = 0;
  bool probed = false;
  vlsi::fuzz::expect_only_vlsi_errors([&] { probed = vlsi::data::probe_image(path, &w, &h); });
  if (decoded) vlsi::fuzz::require(probed && w == img.width && h == img.height, "probe agrees with decode");
  return 0;
}
