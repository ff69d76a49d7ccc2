#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_util.h"
#include "vlsi/data/image.h"
#include "vlsi/data/jpeg.h"
#include "vlsi/io/error.h"

using namespace vlsi::data;
using vlsi::data::testing::read_text;
using vlsi::data::testing::run_python;
using vlsi::data::testing::scratch_dir;
using vlsi::data::testing::write_text;

namespace {

// Pillow writes every JPEG variant, then records what Image.open(p).convert("RGB")
// gives: "<name> ok <w> <h>" with the raw RGB bytes in <name>.rgb, or
// "<name> error" when Pillow refuses the file.
const char* kPillowJpegs = R"PY(
import io, random, sys
from PIL import Image, ImageDraw
d = sys.argv[1]

def photo(w, h, seed):
    # Gradients, noise and hard coloured edges: chroma upsampling and the IDCT
    # both show up in such content.
    r = random.Random(seed)
    im = Image.new("RGB", (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            px[x, y] = ((255 * x) // max(1, w - 1), (255 * y) // max(1, h - 1), r.randrange(256))
    dr = ImageDraw.Draw(im)
    dr.rectangle([w // 4, h // 4, w // 2, h // 2], fill=(250, 10, 30))
    dr.ellipse([w // 2, h // 3, w - 1, h - 1], fill=(20, 200, 240))
    return im

cases = []
def add(name, im, **kw):
    im.save(f"{d}/{name}.jpg", "JPEG", **kw)
    cases.append(name)

base = photo(64, 48, 1)
add("q50_444", base, quality=50, subsampling=0)
add("q75_422", base, quality=75, subsampling=1)
add("q95_420", base, quality=95, subsampling=2)
add("default", base)
add("q100_444", base, quality=100, subsampling=0)
add("progressive_420", base, quality=85, progressive=True)
add("progressive_444", base, quality=60, subsampling=0, progressive=True)
add("optimized", base, quality=80, optimize=True)
add("restart_blocks", base, quality=90, restart_marker_blocks=3)
add("restart_rows", photo(50, 70, 2), quality=70, restart_marker_rows=1, progressive=True)
add("keep_rgb", base, quality=90, keep_rgb=True)
add("grey", base.convert("L"), quality=90)
add("grey_progressive", photo(37, 53, 3).convert("L"), quality=40, progressive=True)
add("cmyk", base.convert("CMYK"), quality=90)
add("cmyk_progressive", photo(37, 53, 4).convert("CMYK"), quality=75, progressive=True)
add("odd_420", photo(37, 53, 5), quality=75)
add("odd_422_progressive", photo(53, 37, 6), quality=88, subsampling=1, progressive=True)
add("odd_444", photo(37, 53, 7), quality=95, subsampling=0)
add("one_pixel", photo(1, 1, 8), quality=75)
add("one_pixel_grey", photo(1, 1, 9).convert("L"), quality=75)
add("one_row", photo(17, 1, 10), quality=75)
add("one_column", photo(1, 19, 11), quality=75, progressive=True)
add("large", photo(301, 207, 12), quality=92)
exif = Image.Exif()
exif[0x0112] = 6  # orientation: rotate 90 degrees; convert() must not apply it
add("exif_rotated", photo(40, 24, 13), quality=85, exif=exif.tobytes())

# Damaged files: whatever Pillow does with them, decode_image must do too.
good = open(f"{d}/q95_420.jpg", "rb").read()
prog = open(f"{d}/progressive_420.jpg", "rb").read()
damaged = {
    "cut_half": good[: len(good) // 2],
    "cut_progressive": prog[: len(prog) * 2 // 3],
    "cut_header": good[:120],
    "no_eoi": good[:-2],
    "extraneous_bytes": good[:-2] + b"\x00\x01\x02\x03" + good[-2:],
    "trailing_junk": good + b"junk after the image",
}
for name, data in damaged.items():
    open(f"{d}/{name}.jpg", "wb").write(data)
    cases.append(name)

with open(f"{d}/manifest.txt", "w") as m:
    for name in cases:
        try:
            im = Image.open(f"{d}/{name}.jpg").convert("RGB")
        except Exception as e:
            m.write(f"{name} error\n")
            continue
        open(f"{d}/{name}.rgb", "wb").write(im.tobytes())
        m.write(f"{name} ok {im.width} {im.height}\n")
print("ok")
)PY";

int max_byte_diff(const std::vector<uint8_t>& a, const std::string& b) {
  if (a.size() != b.size()) return 999;
  int m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(int(a[i]) - int(uint8_t(b[i]))));
  return m;
}

void expect_one_line_error_naming(const std::string& path, const std::string& reason) {
  try {
    load_image(path);
    ADD_FAILURE() << path << ": expected an error";
  } catch (const vlsi::Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.rfind(path + ": cannot decode image (", 0), 0u) << msg;
    EXPECT_NE(msg.find(reason), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

}  // namespace

// Pillow (libjpeg-turbo, ISLOW IDCT, fancy upsampling) is what a Python
// preprocessing pipeline feeds the vision tower: every pixel must be the same.
TEST(Jpeg, DecodesBitIdenticalToPillowConvertRgb) {
  std::string dir = scratch_dir("pillow");
  write_text(dir + "/jpegs.py", kPillowJpegs);
  std::string out;
  ASSERT_EQ(run_python(dir + "/jpegs.py", dir, &out), 0)
      << "the Pillow reference must run (" << vlsi::test_python::missing_hint() << "): " << out;
  std::istringstream manifest(read_text(dir + "/manifest.txt"));
  std::string line;
  int decoded = 0, refused = 0;
  while (std::getline(manifest, line)) {
    std::istringstream fields(line);
    std::string name, verdict;
    int w = 0, h = 0;
    fields >> name >> verdict >> w >> h;
    const std::string path = dir + "/" + name + ".jpg";
    SCOPED_TRACE(name);
    if (verdict == "error") {
      EXPECT_THROW(load_image(path), vlsi::Error);
      ++refused;
      continue;
    }
    Image ours;
    try {
      ours = load_image(path);
    } catch (const vlsi::Error& e) {
      ADD_FAILURE() << "Pillow decodes it, we refuse: " << e.what();
      continue;
    }
    EXPECT_EQ(ours.width, w);
    EXPECT_EQ(ours.height, h);
    EXPECT_EQ(max_byte_diff(ours.rgb, read_text(dir + "/" + name + ".rgb")), 0);
    int pw = 0, ph = 0;
    EXPECT_TRUE(probe_image(path, &pw, &ph));
    EXPECT_EQ(pw, w);
    EXPECT_EQ(ph, h);
    ++decoded;
  }
  // 24 well-formed variants plus the damaged files Pillow still opens.
  EXPECT_GE(decoded, 24);
  EXPECT_GE(refused, 3);  // the three cut files at least
}

TEST(Jpeg, TruncatedCorruptAndOversizedFilesAreOneLineErrorsNamingThePath) {
  std::string dir = scratch_dir("bad");
  Image img(40, 40, 90);
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 40; ++x) img.pixel(x, y)[(x + y) % 3] = uint8_t(7 * x + 3 * y);
  write_text(dir + "/src.png", encode_png(img));
  std::string script = R"PY(
import sys
from PIL import Image
d = sys.argv[1]
Image.open(f"{d}/src.png").save(f"{d}/good.jpg", quality=90)
)PY";
  write_text(dir + "/make.py", script);
  std::string out;
  ASSERT_EQ(run_python(dir + "/make.py", dir, &out), 0) << out;
  const std::string good = read_text(dir + "/good.jpg");
  ASSERT_TRUE(is_jpeg(good));

  write_text(dir + "/cut.jpg", good.substr(0, good.size() / 2));
  expect_one_line_error_naming(dir + "/cut.jpg", "image file is truncated");
  // Header complete, frame absent: probe cannot tell, decode must refuse.
  write_text(dir + "/garbage.jpg", "\xFF\xD8\xFF" + std::string(200, 'x'));
  expect_one_line_error_naming(dir + "/garbage.jpg", "");
  EXPECT_FALSE(probe_image(dir + "/garbage.jpg"));
  write_text(dir + "/text.jpg", "this is not a jpeg at all");
  expect_one_line_error_naming(dir + "/text.jpg", "");
  EXPECT_FALSE(probe_image(dir + "/text.jpg"));
  write_text(dir + "/soi_only.jpg", "\xFF\xD8\xFF");
  expect_one_line_error_naming(dir + "/soi_only.jpg", "image file is truncated");

  // A header declaring 30000 x 20000 pixels: refused before any allocation.
  std::string huge = good;
  size_t sof = huge.find("\xFF\xC0", 2);
  ASSERT_NE(sof, std::string::npos);
  huge[sof + 5] = char(20000 >> 8);
  huge[sof + 6] = char(20000 & 0xFF);
  huge[sof + 7] = char(30000 >> 8);
  huge[sof + 8] = char(30000 & 0xFF);
  write_text(dir + "/huge.jpg", huge);
  expect_one_line_error_naming(dir + "/huge.jpg", "exceeds the limit");
  EXPECT_FALSE(probe_image(dir + "/huge.jpg"));

  // Probing reads the header only: a file cut after its frame header probes fine.
  write_text(dir + "/cut_probe.jpg", good.substr(0, good.size() - 100));
  int w = 0, h = 0;
  EXPECT_TRUE(probe_image(dir + "/cut_probe.jpg", &w, &h));
  EXPECT_EQ(w, 40);
  EXPECT_EQ(h, 40);
  EXPECT_FALSE(probe_image(dir + "/absent.jpg"));
}
