// Files a stranger may hand vlsi: deep JSON, FIFOs, devices, endless /proc
// files, numbers that overflow. Each is refused with one line naming the file.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>

#include "../support/error_message.h"
#include "../support/temp_dir.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/limits.h"
#include "vlsi/io/read_file.h"
#include "vlsi/io/safetensors.h"

using namespace vlsi;
using vlsi::test_messages::expect_one_line_error;
using vlsi::io::json;
namespace fs = std::filesystem;

namespace {

std::string hostile_dir() { return test_dirs::scratch_dir("vlsi_hostile_"); }

// Runs `f`, which reads `fifo`, on a thread; after 10 s the test fails and a
// writer opens and closes the FIFO so that a blocked reader gets released.
void expect_returns_quickly(const std::function<void()>& f, const std::string& fifo) {
  auto done = std::async(std::launch::async, f);
  if (done.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "blocked on " << fifo;
    const int fd = ::open(fifo.c_str(), O_WRONLY);
    if (fd >= 0) ::close(fd);
  }
  done.get();
}

std::string nested_text(const std::string& open, const std::string& inner, const std::string& close, int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += open;
  s += inner;
  for (int i = 0; i < depth; ++i) s += close;
  return s;
}

}  // namespace

TEST(HostileJson, DeepNestingIsRefusedNotACrash) {
  // 100k levels: nlohmann parses them, then copying or dumping the value
  // recursed until the stack overflowed.
  const std::string deep = "{\"out\": " + nested_text("[", "", "]", 100000) + "}";
  expect_one_line_error([&] { io::parse_json(deep, "cfg.json"); }, "cfg.json:1:520: JSON nested deeper than 512");
  const std::string objects = nested_text("{\"a\":", "1", "}", 100000);
  expect_one_line_error([&] { io::parse_json(objects, "o.json"); }, "o.json:1:2561: JSON nested deeper");
  expect_one_line_error([&] { io::parse_json_line(deep, "d.jsonl", 7); }, "d.jsonl:7:520: JSON nested");
  json cfg = {{"out", "x"}};
  expect_one_line_error([&] { io::apply_overrides(cfg, {"out=" + nested_text("[", "", "]", 100000)}); },
                        "override 'out':1:513: JSON nested deeper");
}

TEST(HostileJson, NestingWithinTheLimitAndBracketsInStringsAreFine) {
  const std::string ok = nested_text("[", "1", "]", 512);
  EXPECT_EQ(io::parse_json(ok, "ok.json").dump(), ok);
  // Brackets inside strings (and escaped quotes) do not count as nesting.
  const std::string text = "{\"s\": \"" + std::string(2000, '[') + "\\\"" + std::string(2000, '{') + "\"}";
  EXPECT_EQ(io::parse_json(text, "s.json")["s"].get<std::string>().size(), 4001u);
}

TEST(HostileJson, OverflowingNumberNamesTheFile) {
  expect_one_line_error([] { io::parse_json("{\"lr\": 1e400}", "cfg.json"); },
                        "cfg.json:1: invalid JSON (number overflow parsing '1e400')");
}

TEST(HostileJson, IntegersOutsideTheFieldTypeAreRefused) {
  json j = json::parse(R"({"seed": -1, "big": 18446744073709551615, "steps": 10, "small": 3000000000})");
  expect_one_line_error([&] { io::get_field<uint64_t>(j, "seed", "c.json"); },
                        "c.json: field 'seed': expected an integer in [0, 18446744073709551615], got -1");
  expect_one_line_error([&] { io::get_field<int64_t>(j, "big", "c.json"); },
                        "c.json: field 'big': expected an integer in [-9223372036854775808, 9223372036854775807]");
  expect_one_line_error([&] { io::get_or<int>(j, "small", 0, "c.json"); }, "field 'small': expected an integer in");
  EXPECT_EQ(io::get_field<uint64_t>(j, "big", "c.json"), 18446744073709551615ull);
  EXPECT_EQ(io::get_field<int>(j, "steps", "c.json"), 10);
}

TEST(HostileFiles, FifoIsRefusedWithoutBlocking) {
  const std::string dir = hostile_dir();
  const std::string fifo = dir + "/config.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_returns_quickly(
      [&] {
        expect_one_line_error([&] { io::read_json_file(fifo); }, fifo + ": cannot read (a FIFO, expected a regular file)");
      },
      fifo);
  expect_returns_quickly(
      [&] { expect_one_line_error([&] { io::SafetensorsFile f(fifo); }, fifo + ": cannot read (a FIFO"); }, fifo);
  expect_one_line_error([&] { io::read_file(dir); }, dir + ": cannot read (a folder");
  expect_one_line_error([&] { io::read_file(dir + "/missing.json"); }, "missing.json: cannot read (no such file)");
}

TEST(HostileFiles, DevicesAreRefusedEvenThroughASymlink) {
  const std::string link = hostile_dir() + "/tokenizer.json";
  fs::create_symlink("/dev/zero", link);
  expect_one_line_error([&] { io::read_file(link); }, link + ": cannot read (a character device");
}

TEST(HostileFiles, WholeFileReadsStopAtTheSizeLimit) {
  const std::string path = hostile_dir() + "/big.json";
  io::write_file_atomic(path, std::string(5000, ' '));
  expect_one_line_error([&] { io::read_file(path, 4096); }, path + ": file has 5000 bytes or more, over the limit of 4096");
  EXPECT_EQ(io::read_file(path, 5000).size(), 5000u);
  // /proc files report size 0 and may be endless: the limit holds while reading.
  expect_one_line_error([&] { io::read_file("/proc/self/maps", 16); }, "/proc/self/maps: file has");
  ::setenv(io::limits::kFileBytes.env, "4096", 1);
  expect_one_line_error([&] { io::read_file(path); }, "raise it with VLSI_MAX_FILE_BYTES=N");
  ::setenv(io::limits::kFileBytes.env, "lots", 1);
  expect_one_line_error([&] { io::read_file(path); }, "VLSI_MAX_FILE_BYTES='lots': expected a positive integer");
  ::unsetenv(io::limits::kFileBytes.env);
  EXPECT_EQ(io::read_file(path).size(), 5000u);
}
