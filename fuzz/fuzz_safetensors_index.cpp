// libFuzzer target: a sharded checkpoint folder, model.safetensors.index.json
// plus its shards, opened through io::CheckpointReader. The input is the
// index; bytes after its first NUL, if any, replace the second shard (the
// folder API needs real files: they live on tmpfs). The first shard stays
// valid, written once by the real writer.
#include <cstring>

#include "fuzz/fuzz_support.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/io/read_file.h"
#include "vlsi/io/safetensors_sharded.h"

namespace {

const std::string& shard2_valid() {
  static const std::string* bytes = [] {
    const std::string dir = vlsi::fuzz::scratch_dir() + "/ckpt";
    std::filesystem::create_directories(dir);
    vlsi::io::save_safetensors(dir + "/model-00001-of-00002.safetensors",
                               {{"a", torch::arange(6, torch::kFloat).reshape({2, 3})}, {"b", torch::ones({4}, torch::kBFloat16)}});
    const std::string tmp = vlsi::fuzz::scratch_dir() + "/shard2.safetensors";
    vlsi::io::save_safetensors(tmp, {{"c", torch::zeros({3}, torch::kInt64)}, {"d", torch::zeros({0}, torch::kHalf)}});
    return new std::string(vlsi::io::read_file(tmp));
  }();
  return *bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& valid = shard2_valid();
  const auto* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
  const size_t index_size = nul ? size_t(nul - data) : size;
  const std::string dir = vlsi::fuzz::scratch_dir() + "/ckpt";
  vlsi::fuzz::write_scratch("ckpt/model.safetensors.index.json", data, index_size);
  if (nul) vlsi::fuzz::write_scratch("ckpt/model-00002-of-00002.safetensors", nul + 1, size - index_size - 1);
  else vlsi::fuzz::write_scratch("ckpt/model-00002-of-00002.safetensors", valid);
  vlsi::fuzz::expect_only_vlsi_errors([&] {
    vlsi::io::CheckpointReader reader(dir);
    for (const auto& name : reader.names()) {
      const torch::Tensor t = reader.load(name);
      vlsi::fuzz::require(uint64_t(t.numel()) * t.element_size() == reader.entry(name).nbytes(),
                          "loaded bytes equal the offsets'");
    }
    reader.metadata();
  });
  return 0;
}
