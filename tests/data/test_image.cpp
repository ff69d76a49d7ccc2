#include <gtest/gtest.h>

#include <cmath>

#include "test_util.h"
#include "vlsi/data/image.h"
#include "vlsi/data/rng.h"
#include "vlsi/io/error.h"

using namespace vlsi::data;
using vlsi::data::testing::read_text;
using vlsi::data::testing::run_python;
using vlsi::data::testing::scratch_dir;
using vlsi::data::testing::write_text;

namespace {

// Noise, gradients and hard edges: the cases where resampling filters differ.
Image test_pattern(int w, int h, uint64_t seed) {
  Image img(w, h);
  Rng rng(seed);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = img.pixel(x, y);
      p[0] = uint8_t(255 * x / std::max(1, w - 1));
      p[1] = ((x / 3 + y / 5) % 2) ? 250 : 5;  // checkerboard: ringing/overshoot
      p[2] = uint8_t(rng.below(256));
      if (x > w / 2 && y > h / 3) p[0] = 255 - p[0];
    }
  return img;
}

int max_abs_diff(const Image& a, const Image& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  if (a.rgb.size() != b.rgb.size()) return 999;
  int m = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) m = std::max(m, std::abs(int(a.rgb[i]) - int(b.rgb[i])));
  return m;
}

}  // namespace

TEST(Image, PngRoundTripIsExactAndDeterministic) {
  std::string dir = scratch_dir("png");
  Image img = test_pattern(31, 17, 1);
  write_png(dir + "/a.png", img);
  Image back = load_image(dir + "/a.png");
  EXPECT_EQ(back.width, 31);
  EXPECT_EQ(back.height, 17);
  EXPECT_EQ(back.rgb, img.rgb);
  EXPECT_EQ(encode_png(img), read_text(dir + "/a.png"));
  int w = 0, h = 0;
  EXPECT_TRUE(probe_image(dir + "/a.png", &w, &h));
  EXPECT_EQ(w, 31);
  EXPECT_EQ(h, 17);
}

TEST(Image, UndecodableAndMissingFilesAreOneLineErrorsNamingThePath) {
  std::string dir = scratch_dir("bad");
  write_text(dir + "/junk.png", "this is not a png at all");
  try {
    load_image(dir + "/junk.png");
    FAIL() << "expected an error";
  } catch (const vlsi::Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("junk.png: cannot decode image"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
  }
  EXPECT_FALSE(probe_image(dir + "/junk.png"));
  EXPECT_FALSE(probe_image(dir + "/absent.png"));
  EXPECT_THROW(load_image(dir + "/absent.png"), vlsi::Error);
  // A truncated PNG: header fine, data cut short.
  std::string png = encode_png(test_pattern(40, 40, 2));
  write_text(dir + "/cut.png", png.substr(0, png.size() / 2));
  EXPECT_THROW(load_image(dir + "/cut.png"), vlsi::Error);
}

// Pillow is the reference for what a Python preprocessing pipeline feeds the
// vision tower; the same pixels must come out here, byte for byte.
TEST(Image, BicubicResizeMatchesPillow) {
  std::string dir = scratch_dir("pillow");
  struct Case {
    int sw, sh, dw, dh;
  };
  std::vector<Case> cases = {
      {64, 64, 32, 32},   {64, 64, 17, 23},  {37, 29, 64, 64},   {200, 150, 224, 224}, {224, 224, 64, 64},
      {50, 80, 50, 40},   {80, 50, 30, 50},  {300, 10, 7, 3},    {16, 16, 100, 60},    {97, 61, 45, 91},
      {5, 7, 384, 384},   {333, 222, 224, 224}, {1, 1, 9, 4}, {13, 1, 3, 1},
  };
  // Plus random sizes, scaling up and down in either direction.
  Rng sizes(99);
  for (int i = 0; i < 30; ++i)
    cases.push_back({sizes.range(1, 260), sizes.range(1, 260), sizes.range(1, 260), sizes.range(1, 260)});
  std::string script = R"PY(
import sys
from PIL import Image
d = sys.argv[1]
for i, spec in enumerate(sys.argv[2:]):
    w, h = map(int, spec.split("x"))
    im = Image.open(f"{d}/src{i}.png").convert("RGB")
    im.resize((w, h), Image.BICUBIC).save(f"{d}/ref{i}.png")
print("ok")
)PY";
  write_text(dir + "/resize.py", script);
  std::string args = dir;
  std::vector<Image> sources;
  for (size_t i = 0; i < cases.size(); ++i) {
    sources.push_back(test_pattern(cases[i].sw, cases[i].sh, 10 + i));
    write_png(dir + "/src" + std::to_string(i) + ".png", sources.back());
    args += " " + std::to_string(cases[i].dw) + "x" + std::to_string(cases[i].dh);
  }
  std::string out;
  int rc = run_python(dir + "/resize.py", args, &out);
  ASSERT_EQ(rc, 0) << "the Pillow reference must run (" << vlsi::test_python::missing_hint() << "): " << out;
  for (size_t i = 0; i < cases.size(); ++i) {
    Image ours = resize_bicubic(sources[i], cases[i].dw, cases[i].dh);
    Image ref = load_image(dir + "/ref" + std::to_string(i) + ".png");
    EXPECT_EQ(max_abs_diff(ours, ref), 0) << cases[i].sw << "x" << cases[i].sh << " -> " << cases[i].dw << "x"
                                          << cases[i].dh;
  }
}

// JPEG is compared with Pillow byte for byte in test_jpeg.cpp.
TEST(Image, DecodesGreyAndAlphaLikePillowConvertRgb) {
  std::string dir = scratch_dir("modes");
  std::string script = R"PY(
import sys
from PIL import Image
d = sys.argv[1]
src = Image.open(f"{d}/src.png").convert("RGB")
src.convert("L").save(f"{d}/grey.png")
rgba = src.convert("RGBA"); rgba.putalpha(128); rgba.save(f"{d}/rgba.png")
Image.open(f"{d}/grey.png").convert("RGB").save(f"{d}/grey_ref.png")
Image.open(f"{d}/rgba.png").convert("RGB").save(f"{d}/rgba_ref.png")
)PY";
  write_text(dir + "/modes.py", script);
  Image src = test_pattern(48, 40, 3);
  write_png(dir + "/src.png", src);
  std::string out;
  ASSERT_EQ(run_python(dir + "/modes.py", dir, &out), 0) << out;
  EXPECT_EQ(max_abs_diff(load_image(dir + "/grey.png"), load_image(dir + "/grey_ref.png")), 0);
  EXPECT_EQ(max_abs_diff(load_image(dir + "/rgba.png"), load_image(dir + "/rgba_ref.png")), 0);
}

TEST(Image, SameSizeResizeIsIdentity) {
  Image img = test_pattern(20, 10, 4);
  EXPECT_EQ(resize_bicubic(img, 20, 10).rgb, img.rgb);
}
