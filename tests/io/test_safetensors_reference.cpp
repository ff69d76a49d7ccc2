// vlsi's safetensors reader and writer against the safetensors library itself
// (tests/io/safetensors_reference.py, pinned in requirements/test.txt), on
// every dtype that torch and the format share: the library's file loads with
// the same values, ours is byte for byte the file the library writes for the
// same tensors, and the library loads ours.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "../support/python_reference.h"
#include "../support/temp_dir.h"
#include "vlsi/io/safetensors.h"

using namespace vlsi;

namespace {

struct LibrarySpec {
  const char* name;
  torch::ScalarType type;
  std::vector<int64_t> shape;
};

// Same table as SPECS in safetensors_reference.py.
const std::vector<LibrarySpec> kLibrarySpecs = {
    {"f64", torch::kDouble, {2, 2}},         {"f32", torch::kFloat, {3, 4}},
    {"f16", torch::kHalf, {5}},              {"bf16", torch::kBFloat16, {2, 3, 2}},
    {"f8_e5m2", torch::kFloat8_e5m2, {6}},   {"f8_e4m3", torch::kFloat8_e4m3fn, {2, 3}},
    {"f8_e8m0", torch::kFloat8_e8m0fnu, {4}}, {"i64", torch::kLong, {3}},
    {"i32", torch::kInt, {4, 1}},            {"i16", torch::kShort, {6}},
    {"i8", torch::kChar, {7}},               {"u64", torch::kUInt64, {3}},
    {"u32", torch::kUInt32, {5}},            {"u16", torch::kUInt16, {2, 2}},
    {"u8", torch::kByte, {9}},               {"bool", torch::kBool, {10}},
    {"scalar", torch::kFloat, {}},           {"empty", torch::kFloat, {0, 3}},
};

// Mirrors expected() in safetensors_reference.py.
torch::Tensor reference_tensor(torch::ScalarType type, const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  auto i = torch::arange(n, torch::kLong);
  torch::Tensor v;
  if (type == torch::kDouble || type == torch::kFloat || type == torch::kHalf || type == torch::kBFloat16 ||
      type == torch::kFloat8_e5m2 || type == torch::kFloat8_e4m3fn)
    v = (i.to(torch::kDouble) - n / 2.0) * 0.37;
  else if (type == torch::kFloat8_e8m0fnu) v = torch::pow(2.0, i.to(torch::kDouble) - 2);
  else if (type == torch::kBool) v = i.remainder(3) == 0;
  else if (type == torch::kByte || type == torch::kChar) v = (i * 37).remainder(256) - (type == torch::kChar ? 128 : 0);
  else if (type == torch::kUInt16 || type == torch::kUInt32 || type == torch::kUInt64) v = i * 40503 + 7;
  else if (type == torch::kLong) v = i * (int64_t(1) << 40) - (int64_t(1) << 41);
  else v = i * 1001 - 3000;
  return v.to(type).reshape(shape);
}

// Float8 and unsigned types lack some comparison kernels: compare raw bytes.
bool same_bytes(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
  if (a.numel() == 0) return true;
  auto raw = [](const torch::Tensor& t) {
    auto c = t.contiguous();
    return torch::from_blob(c.data_ptr(), {c.numel() * int64_t(c.element_size())}, torch::kUInt8).clone();
  };
  return torch::equal(raw(a), raw(b));
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(SafetensorsLibrary, ReadsWritesAndMatchesTheLibraryByteForByte) {
  std::string dir = test_dirs::scratch_dir("vlsi_st_lib_");
  std::string script = test_python::command("tests/io/safetensors_reference.py");
  std::string theirs = dir + "/library.safetensors", ours = dir + "/vlsi.safetensors";
  ASSERT_EQ(std::system((script + "write " + theirs).c_str()), 0) << test_python::missing_hint();

  io::SafetensorsFile f(theirs);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  ASSERT_EQ(f.names().size(), kLibrarySpecs.size());
  io::NamedTensors tensors;
  for (const auto& s : kLibrarySpecs) {
    torch::Tensor want = reference_tensor(s.type, s.shape);
    EXPECT_TRUE(same_bytes(f.load(s.name), want)) << s.name;
    tensors.emplace_back(s.name, want);
  }
  io::save_safetensors(ours, tensors, {{"format", "pt"}});
  EXPECT_EQ(read_all(ours), read_all(theirs)) << "header order, padding or data differ from the library's file";
  EXPECT_EQ(std::system((script + "check " + ours).c_str()), 0);
}

}  // namespace
