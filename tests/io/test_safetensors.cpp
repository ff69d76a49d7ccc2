#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "../support/python_reference.h"
#include "../support/temp_dir.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"
#include "vlsi/io/safetensors.h"

using namespace vlsi;
namespace fs = std::filesystem;

namespace {

// Same table and values as SPECS / expected() in safetensors_crosscheck.py.
struct Spec {
  const char* name;
  torch::ScalarType type;
  std::vector<int64_t> shape;
};
const std::vector<Spec> kCrossCheckSpecs = {
    {"f64", torch::kDouble, {2, 2}}, {"f32", torch::kFloat, {3, 4}},    {"f16", torch::kHalf, {5}},
    {"bf16", torch::kBFloat16, {2, 3, 2}}, {"i64", torch::kLong, {3}}, {"i32", torch::kInt, {4, 1}},
    {"i16", torch::kShort, {6}},     {"i8", torch::kChar, {7}},         {"u8", torch::kByte, {9}},
    {"bool", torch::kBool, {10}},    {"scalar", torch::kFloat, {}},     {"empty", torch::kFloat, {0, 3}},
};

torch::Tensor expected_tensor(torch::ScalarType type, const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  auto i = torch::arange(n, torch::kLong);
  torch::Tensor v;
  if (type == torch::kDouble || type == torch::kFloat || type == torch::kHalf || type == torch::kBFloat16)
    v = (i.to(torch::kDouble) - n / 2.0) * 0.37;
  else if (type == torch::kBool) v = i.remainder(3) == 0;
  else if (type == torch::kByte) v = (i * 37).remainder(256);
  else if (type == torch::kChar) v = (i * 37).remainder(256) - 128;
  else if (type == torch::kLong) v = i * (int64_t(1) << 40) - (int64_t(1) << 41);
  else v = i * 1001 - 3000;
  return v.to(type).reshape(shape);
}

io::NamedTensors reference_tensors() {
  io::NamedTensors out;
  for (const auto& s : kCrossCheckSpecs) out.emplace_back(s.name, expected_tensor(s.type, s.shape));
  return out;
}

std::string temp_dir() { return vlsi::test_dirs::scratch_dir("vlsi_st_"); }

// Plain (non-fsync) write: the corruption loops write hundreds of files.
void write_plain(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A file from a raw header string and data bytes (the length field is computed).
std::string raw_file(const std::string& dir, const std::string& header, const std::string& data,
                     int64_t length_override = -1) {
  std::string path = dir + "/raw.safetensors";
  uint64_t n = length_override >= 0 ? uint64_t(length_override) : header.size();
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = char((n >> (8 * i)) & 0xff);
  write_plain(path, bytes + header + data);
  return path;
}

// Opening must raise vlsi::Error whose single-line message names the file and `needle`.
void expect_open_error(const std::string& path, const std::string& needle) {
  try {
    io::SafetensorsFile f(path);
    FAIL() << "expected an error mentioning '" << needle << "'";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

}  // namespace

TEST(Safetensors, RoundTripsEveryDtypeAndMetadata) {
  std::string path = temp_dir() + "/all.safetensors";
  auto tensors = reference_tensors();
  io::save_safetensors(path, tensors, {{"format", "pt"}, {"who", "test"}});
  io::SafetensorsFile f(path);
  EXPECT_EQ(f.names().size(), tensors.size());
  EXPECT_EQ(f.metadata().at("who"), "test");
  for (const auto& [name, t] : tensors) {
    torch::Tensor got = f.load(name);
    EXPECT_EQ(got.scalar_type(), t.scalar_type()) << name;
    EXPECT_EQ(got.sizes(), t.sizes()) << name;
    EXPECT_TRUE(torch::equal(got, t)) << name;
    EXPECT_EQ(f.entry(name).dtype, io::safetensors_dtype_name(t.scalar_type()));
  }
  EXPECT_THROW(f.load("nope"), Error);
}

TEST(Safetensors, WritesReferenceLayout) {
  std::string path = temp_dir() + "/layout.safetensors";
  io::save_safetensors(path, reference_tensors(), {{"format", "pt"}});
  std::string bytes = io::read_file(path);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | uint8_t(bytes[i]);
  EXPECT_EQ(n % 8, 0u);
  std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.rfind("{\"__metadata__\":", 0), 0u) << header;
  EXPECT_EQ(header.find_last_not_of(' '), header.find_last_of('}'));
  // Descending alignment then name: I64 first, F64, F32 (empty, f32, scalar), ..., BOOL last.
  io::SafetensorsFile f(path);
  std::vector<std::string> want = {"i64", "f64", "empty", "f32", "scalar", "i32", "bf16",
                                   "f16", "i16", "i8",    "u8",  "bool"};
  EXPECT_EQ(f.names(), want);
}

TEST(Safetensors, LoadIntoConvertsAndChecksShape) {
  std::string path = temp_dir() + "/half.safetensors";
  auto w = torch::randn({4, 3}).to(torch::kHalf);
  io::save_safetensors(path, {{"w", w}, {"odd", torch::ones({1}, torch::kByte)}});
  io::SafetensorsFile f(path);
  auto dst = torch::zeros({4, 3});
  f.load_into("w", dst);
  EXPECT_TRUE(torch::equal(dst, w.to(torch::kFloat)));
  auto bad = torch::zeros({3, 4});
  EXPECT_THROW(f.load_into("w", bad), Error);
}

TEST(Safetensors, MappedTensorsReadInPlaceOutliveTheFileAndNeverWriteIt) {
  std::string path = temp_dir() + "/mapped.safetensors";
  auto a = torch::randn({64, 33});
  auto b = torch::randn({1000}).to(torch::kBFloat16);
  io::save_safetensors(path, {{"a", a}, {"b", b}});
  const std::string before = io::read_file(path);
  torch::Tensor ma, mb;
  {
    io::SafetensorsFile f(path);
    ma = f.mapped("a");
    mb = f.mapped("b");
    ASSERT_TRUE(ma.defined() && mb.defined());
    // Neighbours copied with load_into (which hands their pages back) leave the mapped tensors intact.
    auto dst = torch::zeros({1000}, torch::kBFloat16);
    f.load_into("b", dst);
  }
  EXPECT_TRUE(torch::equal(ma, a));
  EXPECT_TRUE(torch::equal(mb, b));
  ma.mul_(2);  // copy-on-write: the file keeps its bytes
  mb.fill_(3);
  EXPECT_TRUE(torch::equal(ma, a * 2));
  EXPECT_EQ(io::read_file(path), before);
  io::SafetensorsFile again(path);
  EXPECT_TRUE(torch::equal(again.load("a"), a));
}

TEST(Safetensors, WriterRejectsBadInput) {
  std::string dir = temp_dir();
  auto t = torch::ones({2});
  EXPECT_THROW(io::save_safetensors(dir + "/a.safetensors", {{"x", t}, {"x", t}}), Error);
  EXPECT_THROW(io::save_safetensors(dir + "/a.safetensors", {{"", t}}), Error);
  EXPECT_THROW(io::save_safetensors(dir + "/a.safetensors", {{"__metadata__", t}}), Error);
  EXPECT_THROW(io::save_safetensors(dir + "/a.safetensors", {{"c", torch::ones({2}, torch::kComplexFloat)}}), Error);
  EXPECT_FALSE(fs::exists(dir + "/a.safetensors"));
}

TEST(Safetensors, NonContiguousInputIsWrittenInLogicalOrder) {
  std::string path = temp_dir() + "/t.safetensors";
  auto base = torch::arange(12, torch::kFloat).reshape({3, 4});
  io::save_safetensors(path, {{"t", base.t()}});
  EXPECT_TRUE(torch::equal(io::load_safetensors(path).at("t"), base.t()));
}

TEST(SafetensorsCorrupt, EachDefectIsANamedError) {
  std::string dir = temp_dir();
  const std::string ok_entry = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  std::string data8(8, '\1');

  write_plain(dir + "/tiny.safetensors", "abc");
  expect_open_error(dir + "/tiny.safetensors", "too short");
  expect_open_error(raw_file(dir, "{" + ok_entry + "}", data8, 4096), "header length 4096");
  expect_open_error(raw_file(dir, "{" + ok_entry + "}", data8, int64_t(1) << 40), "header length");
  expect_open_error(raw_file(dir, "{\"w\":{\"dtype\":", data8), "not valid JSON");
  expect_open_error(raw_file(dir, "[1,2]   ", data8), "not a JSON object");
  expect_open_error(raw_file(dir, R"({"w":{"dtype":"F7","shape":[2],"data_offsets":[0,8]}})", data8), "'w': dtype 'F7' is unknown");
  expect_open_error(raw_file(dir, R"({"w":{"dtype":"F4","shape":[4],"data_offsets":[0,8]}})", data8), "'w': dtype 'F4' has no torch equivalent");
  expect_open_error(raw_file(dir, R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data8), "'w': shape [3] of F32 needs 12 bytes");
  expect_open_error(raw_file(dir, R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data8), "'w': data_offsets [0, 16] exceed");
  expect_open_error(raw_file(dir, R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", data8), "'w': data_offsets [8, 0] end before");
  expect_open_error(raw_file(dir, R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data8), "'w': shape entries");
  expect_open_error(raw_file(dir, R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", data8), "'w': 'data_offsets'");
  expect_open_error(raw_file(dir, R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", data8), "'w': missing or non-array 'shape'");
  expect_open_error(raw_file(dir, R"({"w":{"dtype":"U8","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}})", data8), "'w': shape overflows");
  expect_open_error(raw_file(dir, R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data8), "overlap");
  expect_open_error(raw_file(dir, R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data8), "'w' starts at byte 4");
  expect_open_error(raw_file(dir, R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", data8), "trailing bytes");
  expect_open_error(raw_file(dir, R"({"__metadata__":{"a":1},)" + ok_entry + "}", data8), "__metadata__ entry 'a'");
  // Sanity: the well-formed variant of the same file opens.
  io::SafetensorsFile ok(raw_file(dir, "{" + ok_entry + "}  ", data8));
  EXPECT_EQ(ok.load("w").numel(), 2);
}

TEST(SafetensorsCorrupt, EveryTruncationFailsCleanly) {
  std::string dir = temp_dir();
  std::string path = dir + "/full.safetensors";
  io::save_safetensors(path, reference_tensors());
  std::string bytes = io::read_file(path);
  for (size_t len = 0; len < bytes.size(); ++len) {
    std::string cut = dir + "/cut.safetensors";
    write_plain(cut, bytes.substr(0, len));
    EXPECT_THROW(io::SafetensorsFile f(cut), Error) << "length " << len;
  }
}

TEST(SafetensorsCorrupt, RandomByteFlipsNeverCrash) {
  std::string dir = temp_dir();
  std::string path = dir + "/full.safetensors";
  io::save_safetensors(path, reference_tensors());
  std::string bytes = io::read_file(path);
  std::mt19937 rng(7);
  int errors = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::string b = bytes;
    size_t pos = rng() % std::min<size_t>(b.size(), 600);  // mostly the length field and header
    b[pos] = char(rng() & 0xff);
    std::string p = dir + "/flip.safetensors";
    write_plain(p, b);
    try {
      io::SafetensorsFile f(p);
      for (const auto& n : f.names()) f.load(n);
    } catch (const Error&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0);
}

TEST(SafetensorsCrossCheck, AgreesWithIndependentPythonImplementation) {
  std::string dir = temp_dir();
  std::string script = test_python::command("tests/io/safetensors_crosscheck.py");
  // Python writes, we read.
  std::string py_file = dir + "/from_python.safetensors";
  ASSERT_EQ(std::system((script + "write " + py_file).c_str()), 0) << test_python::missing_hint();
  io::SafetensorsFile f(py_file);
  EXPECT_EQ(f.metadata().at("origin"), "python");
  EXPECT_EQ(f.names().size(), kCrossCheckSpecs.size());
  for (const auto& s : kCrossCheckSpecs) {
    torch::Tensor got = f.load(s.name);
    EXPECT_EQ(got.scalar_type(), s.type) << s.name;
    EXPECT_TRUE(torch::equal(got, expected_tensor(s.type, s.shape))) << s.name;
  }
  // We write, Python reads and verifies values, order and padding.
  std::string cpp_file = dir + "/from_cpp.safetensors";
  io::save_safetensors(cpp_file, reference_tensors(), {{"origin", "cpp"}, {"format", "pt"}});
  EXPECT_EQ(std::system((script + "check " + cpp_file).c_str()), 0);
}
