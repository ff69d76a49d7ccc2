// Datasets and images from strangers: image paths that leave --images, symlink
// loops, FIFOs, deep JSON lines, headers that declare giant images.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "../support/error_message.h"
#include "test_util.h"
#include "vlsi/data/image.h"
#include "vlsi/data/record.h"
#include "vlsi/io/limits.h"

using namespace vlsi::data;
using vlsi::data::testing::scratch_dir;
using vlsi::data::testing::write_text;
using vlsi::test_messages::expect_one_line_error;
namespace fs = std::filesystem;

namespace {

std::string record_line(const std::string& id, const std::string& image) {
  return R"({"id": ")" + id + R"(", "image": ")" + image +
         R"(", "conversations": [{"from": "human", "value": "<image>\nQ"}, {"from": "gpt", "value": "A"}]})" + "\n";
}

// A PNG of signature and IHDR only, declaring width x height (stb reads the
// header first; the limit must refuse it before looking for pixel data).
std::string png_header(uint32_t width, uint32_t height) {
  std::string s = "\x89PNG\r\n\x1a\n";
  auto be32 = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) s += char((v >> shift) & 0xFF);
  };
  be32(13);
  s += "IHDR";
  be32(width);
  be32(height);
  // 8-bit grey (stb itself refuses RGB this large, grey it would decode), deflate, no filter, no interlace.
  s += std::string("\x08\x00\x00\x00\x00", 5);
  be32(0);                                      // CRC (stb does not check it)
  return s;
}

}  // namespace

TEST(HostileRecords, ImagePathsMayNotLeaveTheImageFolder) {
  const std::string dir = scratch_dir("escape");
  write_png(dir + "/secret.png", Image(4, 4, 1));
  write_png(dir + "/img/a.png", Image(4, 4, 1));
  write_text(dir + "/d.jsonl", record_line("ok", "a.png") + record_line("up", "../secret.png") +
                                   record_line("abs", dir + "/secret.png") + record_line("mid", "x/../../secret.png"));
  RecordLoadOptions opt;
  opt.image_dir = dir + "/img";
  opt.policy = BadRecordPolicy::skip;
  opt.locations_reported = 5;
  RecordSet set = load_records(dir + "/d.jsonl", opt);
  ASSERT_EQ(set.records.size(), 1u);
  EXPECT_EQ(set.records[0].id, "ok");
  EXPECT_EQ(set.report.skipped_by_reason.at(reason::bad_image), 3u);
  EXPECT_NE(set.report.first_problems[0].find("image '../secret.png' is outside the image folder"), std::string::npos)
      << set.report.first_problems[0];
  expect_one_line_error([&] { image_path(dir + "/img", "/etc/passwd"); }, "absolute paths and '..' are not allowed");
  // Without an image folder (a path given on the command line) any path is the user's own.
  EXPECT_EQ(image_path("", "/tmp/x.png"), "/tmp/x.png");
  EXPECT_EQ(image_path(dir + "/img", "sub/a..b.png"), dir + "/img/sub/a..b.png");
}

TEST(HostileRecords, SymlinkLoopAndFifoAreSkippedLikeOtherBadImages) {
  const std::string dir = scratch_dir("loop");
  write_png(dir + "/img/a.png", Image(4, 4, 1));
  fs::create_symlink("loop2.png", dir + "/img/loop1.png");
  fs::create_symlink("loop1.png", dir + "/img/loop2.png");
  ASSERT_EQ(::mkfifo((dir + "/img/fifo.png").c_str(), 0600), 0);
  write_text(dir + "/d.jsonl", record_line("ok", "a.png") + record_line("loop", "loop1.png") +
                                   record_line("fifo", "fifo.png"));
  for (ImageCheck check : {ImageCheck::header, ImageCheck::decode}) {
    RecordLoadOptions opt;
    opt.image_dir = dir + "/img";
    opt.policy = BadRecordPolicy::skip;
    opt.image_check = check;
    opt.locations_reported = 5;
    RecordSet set = load_records(dir + "/d.jsonl", opt);  // used to throw filesystem_error
    ASSERT_EQ(set.records.size(), 1u);
    EXPECT_EQ(set.report.skipped_by_reason.at(reason::bad_image), 2u);
    EXPECT_NE(set.report.first_problems[0].find("loop1.png' cannot be read (Too many levels of symbolic links)"),
              std::string::npos)
        << set.report.first_problems[0];
  }
}

TEST(HostileRecords, DeeplyNestedLineIsAMalformedRecord) {
  const std::string dir = scratch_dir("deep");
  write_text(dir + "/d.jsonl", R"({"id": "x", "extra": )" + std::string(100000, '[') + std::string(100000, ']') + "}\n");
  RecordLoadOptions opt;
  opt.policy = BadRecordPolicy::skip;
  RecordSet set = load_records(dir + "/d.jsonl", opt);
  EXPECT_EQ(set.records.size(), 0u);
  EXPECT_EQ(set.report.skipped_by_reason.at(reason::malformed_json), 1u);
  EXPECT_NE(set.report.first_problems[0].find(":1: malformed JSON at column 533: JSON nested deeper than 512"),
            std::string::npos)
      << set.report.first_problems[0];
}

TEST(HostileImages, PngHeaderOverThePixelLimitIsRefusedBeforeDecoding) {
  const std::string dir = scratch_dir("png");
  write_text(dir + "/huge.png", png_header(20000, 20000));
  expect_one_line_error([&] { load_image(dir + "/huge.png"); },
                        "huge.png: cannot decode image (20000x20000 exceeds the limit of 100000000 pixels; raise it "
                        "with VLSI_MAX_IMAGE_PIXELS=N)");
  EXPECT_FALSE(probe_image(dir + "/huge.png"));
  // The limit is the user's to lower or raise.
  write_png(dir + "/small.png", Image(40, 40, 9));
  ::setenv(vlsi::io::limits::kImagePixels.env, "1000", 1);
  expect_one_line_error([&] { load_image(dir + "/small.png"); }, "40x40 exceeds the limit of 1000 pixels");
  EXPECT_FALSE(probe_image(dir + "/small.png"));
  ::unsetenv(vlsi::io::limits::kImagePixels.env);
  EXPECT_EQ(load_image(dir + "/small.png").width, 40);
}

TEST(HostileImages, FifoIsNotAnImageAndNeverBlocks) {
  const std::string fifo = scratch_dir("fifo") + "/x.png";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_FALSE(probe_image(fifo));  // would block in fopen() before
  expect_one_line_error([&] { load_image(fifo); }, "x.png: cannot read (a FIFO, expected a regular file)");
}
