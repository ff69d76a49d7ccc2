#include <gtest/gtest.h>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"

using namespace vlsi;
using vlsi::io::json;

TEST(JsonUtil, ParseErrorNamesFileLineAndColumn) {
  try {
    io::parse_json("{\n  \"a\": 1,\n  \"b\": ]\n}", "cfg.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("cfg.json:3:"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  }
}

TEST(JsonUtil, TypedFieldErrors) {
  json j = {{"lr", "fast"}, {"steps", 10}};
  EXPECT_EQ(io::get_field<int>(j, "steps", "t.json"), 10);
  EXPECT_DOUBLE_EQ(io::get_or<double>(j, "missing", 0.5, "t.json"), 0.5);
  try {
    io::get_field<double>(j, "lr", "t.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "t.json: field 'lr': expected number, got string");
  }
  EXPECT_THROW(io::get_field<int>(j, "nope", "t.json"), Error);
}

TEST(JsonUtil, OverridesAndDefaults) {
  json defaults = {{"optim", {{"lr", 1e-3}, {"wd", 0.0}}}, {"steps", 100}};
  json cfg = io::merge_with_defaults(defaults, json{{"optim", {{"lr", 0.1}}}}, "c.json");
  EXPECT_DOUBLE_EQ(cfg["optim"]["lr"].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ(cfg["optim"]["wd"].get<double>(), 0.0);
  io::apply_overrides(cfg, {"optim.wd=0.05", "steps=7"});
  EXPECT_EQ(cfg["steps"].get<int>(), 7);
  EXPECT_DOUBLE_EQ(cfg["optim"]["wd"].get<double>(), 0.05);
  EXPECT_THROW(io::apply_overrides(cfg, {"optim.lrr=1"}), Error);
  EXPECT_THROW(io::merge_with_defaults(defaults, json{{"stepz", 1}}, "c.json"), Error);
}

TEST(AtomicFile, WritesAndReplaces) {
  std::string dir = testing::TempDir() + "/vlsi_atomic";
  std::string path = dir + "/sub/x.txt";
  io::write_file_atomic(path, "one");
  io::write_file_atomic(path, "two");
  EXPECT_EQ(io::read_file(path), "two");
  EXPECT_THROW(io::read_file(dir + "/missing"), Error);
}
