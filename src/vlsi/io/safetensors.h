#pragma once
// Reader and writer for the safetensors format (Hugging Face):
//   [u64 little-endian N][N bytes of JSON header, padded with spaces][data]
// The header maps tensor names to {"dtype", "shape", "data_offsets": [begin, end]}
// (offsets relative to the data section) plus an optional "__metadata__"
// string->string map. Every field is validated before any byte is read, so a
// corrupt or truncated file raises vlsi::Error naming the file and the tensor.
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vlsi::io {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;
using StringMap = std::map<std::string, std::string>;

// Safetensors dtype name ("F32", "BF16", ...) of a torch dtype; fails for dtypes
// the format (or this build) cannot hold.
std::string safetensors_dtype_name(torch::ScalarType type);

// One header entry, already validated against the file.
struct TensorEntry {
  std::string name;
  std::string dtype;              // as written in the header
  torch::ScalarType scalar_type;  // the torch equivalent
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets within the data section
  uint64_t end = 0;
  uint64_t nbytes() const { return end - begin; }
};

// A memory-mapped .safetensors file. Opening validates the whole header:
// header length vs file size, JSON syntax, known dtypes, shape * dtype size ==
// end - begin, offsets inside the data section, tensors tiling the data section
// with no hole or overlap (the spec's rule, as the reference reader enforces).
// load() copies into owned memory: the returned tensor outlives the mapping and
// is suitably aligned whatever the file's offsets are.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  // Names in data-offset order (the order they were written in).
  const std::vector<std::string>& names() const { return names_; }
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  const TensorEntry& entry(const std::string& name) const;
  const StringMap& metadata() const { return metadata_; }
  uint64_t data_bytes() const { return data_size_; }

  // Copy of one tensor (CPU, contiguous, the file's dtype).
  torch::Tensor load(const std::string& name) const;
  // The tensor read in place from the mapping (CPU, the file's dtype): pages
  // are read when first touched and copied when first written (the file never
  // changes); the mapping lives as long as the tensor. Undefined when the
  // tensor is empty or its offset is not aligned for its dtype.
  torch::Tensor mapped(const std::string& name) const;
  // Copies into an existing tensor of the same shape (any dtype/device: converted),
  // avoiding a second full-size temporary when filling model parameters.
  void load_into(const std::string& name, torch::Tensor& dst) const;

 private:
  void parse_header(uint64_t header_len);

  std::string path_;
  int fd_ = -1;
  std::shared_ptr<uint8_t> mapping_;  // munmaps when the file and every mapped() tensor are gone
  const uint8_t* map_ = nullptr;
  uint64_t file_size_ = 0;
  uint64_t data_start_ = 0;
  uint64_t data_size_ = 0;
  std::vector<std::string> names_;
  std::map<std::string, TensorEntry> entries_;
  StringMap metadata_;
};

// Writes tensors (any supported dtype, any device/layout) and metadata to `path`
// atomically. Layout as the reference writer: tensors sorted by descending dtype
// alignment, then by name; header JSON padded with spaces to a multiple of 8.
// Fails on duplicate or empty names.
void save_safetensors(const std::string& path, const NamedTensors& tensors, const StringMap& metadata = {});

// Convenience: every tensor of a file, by name.
std::map<std::string, torch::Tensor> load_safetensors(const std::string& path);

}  // namespace vlsi::io
