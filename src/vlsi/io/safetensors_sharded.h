#pragma once
// Hugging Face checkpoint folders: either one model.safetensors, or shards
// model-0000K-of-0000N.safetensors listed by model.safetensors.index.json
// ({"metadata": {"total_size": bytes}, "weight_map": {tensor: shard file}}).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "vlsi/io/safetensors.h"

namespace vlsi::io {

inline constexpr const char* kSafetensorsWeightsFile = "model.safetensors";
inline constexpr const char* kSafetensorsIndexFile = "model.safetensors.index.json";

// Opens every file of a checkpoint folder (memory-mapped, headers validated up
// front) and serves tensors by name. With an index, each weight_map entry must
// name a shard inside the folder that really holds that tensor.
class CheckpointReader {
 public:
  explicit CheckpointReader(const std::string& folder);

  const std::string& folder() const { return folder_; }
  bool sharded() const { return sharded_; }
  // All tensor names, sorted.
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const { return where_.count(name) != 0; }
  const TensorEntry& entry(const std::string& name) const;
  const SafetensorsFile& file_of(const std::string& name) const;
  torch::Tensor load(const std::string& name) const;
  void load_into(const std::string& name, torch::Tensor& dst) const;
  torch::Tensor mapped(const std::string& name) const;  // SafetensorsFile::mapped
  // Metadata of the first (or only) file.
  const StringMap& metadata() const;

 private:
  std::string folder_;
  bool sharded_ = false;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, size_t> where_;  // tensor -> index in files_
};

struct CheckpointWriteResult {
  std::vector<std::string> files;  // file names written, inside the folder
  uint64_t total_size = 0;         // tensor bytes over all shards
};

// Saves tensors into `folder`. max_shard_bytes == 0, or everything fitting in one
// shard, writes model.safetensors alone (as Hugging Face does); otherwise tensors
// are packed in the given order into shards of at most max_shard_bytes (a single
// larger tensor gets a shard of its own), then the index is written last. Files
// of an earlier checkpoint layout in the folder that the new one does not use are
// removed, so a reader never mixes old and new weights. Each file's metadata gets
// {"format": "pt"} unless `metadata` says otherwise.
CheckpointWriteResult save_checkpoint(const std::string& folder, const NamedTensors& tensors,
                                      uint64_t max_shard_bytes = 0, const StringMap& metadata = {});

// Loads every tensor of a checkpoint folder.
std::map<std::string, torch::Tensor> load_checkpoint(const std::string& folder);

}  // namespace vlsi::io
