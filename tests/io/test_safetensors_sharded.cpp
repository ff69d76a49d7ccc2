#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "../support/temp_dir.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors_sharded.h"

using namespace vlsi;
namespace fs = std::filesystem;

namespace {

std::string shard_dir() { return vlsi::test_dirs::scratch_dir("vlsi_shard_"); }

// 10 tensors of mixed dtypes; byte sizes 40..400 for the float ones.
io::NamedTensors some_tensors() {
  torch::manual_seed(3);
  io::NamedTensors out;
  for (int i = 0; i < 8; ++i) out.emplace_back("layers." + std::to_string(i) + ".w", torch::randn({i + 1, 10}));
  out.emplace_back("ids", torch::arange(5, torch::kLong));
  out.emplace_back("half", torch::randn({7}).to(torch::kBFloat16));
  return out;
}

}  // namespace

TEST(SafetensorsSharded, RoundTripAcrossShards) {
  std::string dir = shard_dir();
  auto tensors = some_tensors();
  auto res = io::save_checkpoint(dir, tensors, /*max_shard_bytes=*/600);
  ASSERT_GT(res.files.size(), 2u);
  size_t shards = res.files.size() - 1;
  char first[64];
  std::snprintf(first, sizeof first, "model-00001-of-%05zu.safetensors", shards);
  EXPECT_EQ(res.files.front(), first);
  EXPECT_EQ(res.files.back(), io::kSafetensorsIndexFile);
  EXPECT_FALSE(fs::exists(dir + "/model.safetensors"));

  uint64_t total = 0;
  for (const auto& [n, t] : tensors) total += t.numel() * t.element_size();
  EXPECT_EQ(res.total_size, total);
  auto index = io::read_json_file(dir + "/" + io::kSafetensorsIndexFile);
  EXPECT_EQ(index["metadata"]["total_size"].get<uint64_t>(), total);
  EXPECT_EQ(index["weight_map"].size(), tensors.size());
  for (size_t k = 0; k < shards; ++k) {
    uint64_t data = io::SafetensorsFile(dir + "/" + res.files[k]).data_bytes();
    // Every shard respects the limit (no single tensor here exceeds it).
    EXPECT_LE(data, 600u) << res.files[k];
  }

  io::CheckpointReader reader(dir);
  EXPECT_TRUE(reader.sharded());
  EXPECT_EQ(reader.names().size(), tensors.size());
  EXPECT_EQ(reader.metadata().at("format"), "pt");
  for (const auto& [n, t] : tensors) EXPECT_TRUE(torch::equal(reader.load(n), t)) << n;
  auto all = io::load_checkpoint(dir);
  EXPECT_TRUE(torch::equal(all.at("half"), tensors.back().second));
}

TEST(SafetensorsSharded, SingleFileWhenItFitsAndStaleFilesRemoved) {
  std::string dir = shard_dir();
  auto tensors = some_tensors();
  io::save_checkpoint(dir, tensors, 600);
  ASSERT_TRUE(fs::exists(dir + "/" + io::kSafetensorsIndexFile));
  io::write_file_atomic(dir + "/tokenizer.json", "{}");  // unrelated files survive
  auto res = io::save_checkpoint(dir, tensors, 0);
  ASSERT_EQ(res.files, std::vector<std::string>{"model.safetensors"});
  EXPECT_FALSE(fs::exists(dir + "/" + io::kSafetensorsIndexFile));
  size_t n_files = 0;
  for (auto& e : fs::directory_iterator(dir)) { (void)e; ++n_files; }
  EXPECT_EQ(n_files, 2u);  // model.safetensors + tokenizer.json
  io::CheckpointReader reader(dir);
  EXPECT_FALSE(reader.sharded());
  EXPECT_TRUE(torch::equal(reader.load("layers.3.w"), tensors[3].second));
}

TEST(SafetensorsSharded, OversizedTensorGetsItsOwnShard) {
  std::string dir = shard_dir();
  io::NamedTensors t = {{"a", torch::ones({4})}, {"big", torch::ones({100})}, {"c", torch::ones({4})}};
  auto res = io::save_checkpoint(dir, t, 64);
  ASSERT_EQ(res.files.size(), 4u);  // a | big | c | index
  io::CheckpointReader reader(dir);
  EXPECT_EQ(reader.file_of("big").names(), std::vector<std::string>{"big"});
}

TEST(SafetensorsSharded, BadIndexIsANamedError) {
  std::string dir = shard_dir();
  io::save_checkpoint(dir, some_tensors(), 600);
  std::string index_path = dir + "/" + io::kSafetensorsIndexFile;
  auto index = io::read_json_file(index_path);

  auto expect_error = [&](const io::json& j, const std::string& needle) {
    io::write_json_file(index_path, j);
    try {
      io::CheckpointReader r(dir);
      FAIL() << "expected error with " << needle;
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(needle), std::string::npos) << msg;
      EXPECT_NE(msg.find(io::kSafetensorsIndexFile), std::string::npos) << msg;
    }
  };
  auto j = index;
  j["weight_map"]["layers.0.w"] = "model-00009-of-00009.safetensors";
  expect_error(j, "is missing");
  j = index;
  j["weight_map"]["layers.0.w"] = "../elsewhere.safetensors";
  expect_error(j, "not a file in this folder");
  j = index;
  j["weight_map"]["ghost"] = index["weight_map"]["layers.0.w"];
  expect_error(j, "tensor 'ghost' is not in shard");
  j = index;
  j.erase("weight_map");
  expect_error(j, "weight_map");

  fs::remove_all(dir);
  fs::create_directories(dir);
  EXPECT_THROW(io::CheckpointReader r(dir), Error);
}
