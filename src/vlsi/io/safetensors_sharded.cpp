#include "vlsi/io/safetensors_sharded.h"

#include <cstdio>
#include <filesystem>
#include <regex>
#include <set>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"

namespace vlsi::io {
namespace fs = std::filesystem;
namespace {

std::string shard_name(size_t k, size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", k, n);
  return buf;
}

}  // namespace

CheckpointReader::CheckpointReader(const std::string& folder) : folder_(folder) {
  check(fs::is_directory(folder), folder, ": not a folder");
  std::string index_path = join_path(folder, kSafetensorsIndexFile);
  std::string single_path = join_path(folder, kSafetensorsWeightsFile);
  if (fs::exists(index_path)) {
    sharded_ = true;
    json index = read_json_file(index_path);
    check(index.is_object(), index_path, ": expected a JSON object");
    auto wm = index.find("weight_map");
    check(wm != index.end() && wm->is_object(), index_path, ": missing object 'weight_map'");
    std::map<std::string, size_t> file_ids;
    for (auto it = wm->begin(); it != wm->end(); ++it) {
      check(it.value().is_string(), index_path, ": weight_map['", it.key(), "'] is not a string");
      std::string file = it.value().get<std::string>();
      // Shards must live in the folder: no paths, so an index cannot point elsewhere.
      check(!file.empty() && file.find('/') == std::string::npos && file != "." && file != "..", index_path,
            ": weight_map['", it.key(), "'] names '", file, "', not a file in this folder");
      auto found = file_ids.find(file);
      if (found == file_ids.end()) {
        std::string shard_path = join_path(folder, file);
        check(fs::exists(shard_path), index_path, ": shard '", file, "' (for tensor '", it.key(), "') is missing");
        files_.push_back(std::make_unique<SafetensorsFile>(shard_path));
        found = file_ids.emplace(file, files_.size() - 1).first;
      }
      check(files_[found->second]->contains(it.key()), index_path, ": tensor '", it.key(), "' is not in shard '",
            file, "'");
      where_[it.key()] = found->second;
    }
    check(!files_.empty(), index_path, ": weight_map is empty");
  } else {
    check(fs::exists(single_path), folder, ": no ", kSafetensorsWeightsFile, " nor ", kSafetensorsIndexFile);
    files_.push_back(std::make_unique<SafetensorsFile>(single_path));
    for (const auto& n : files_[0]->names()) where_[n] = 0;
  }
}

std::vector<std::string> CheckpointReader::names() const {
  std::vector<std::string> out;
  out.reserve(where_.size());
  for (const auto& kv : where_) out.push_back(kv.first);
  return out;
}

const SafetensorsFile& CheckpointReader::file_of(const std::string& name) const {
  auto it = where_.find(name);
  check(it != where_.end(), folder_, ": checkpoint has no tensor named '", name, "'");
  return *files_[it->second];
}

const TensorEntry& CheckpointReader::entry(const std::string& name) const { return file_of(name).entry(name); }
torch::Tensor CheckpointReader::load(const std::string& name) const { return file_of(name).load(name); }
void CheckpointReader::load_into(const std::string& name, torch::Tensor& dst) const {
  file_of(name).load_into(name, dst);
}
torch::Tensor CheckpointReader::mapped(const std::string& name) const { return file_of(name).mapped(name); }
const StringMap& CheckpointReader::metadata() const { return files_.front()->metadata(); }

CheckpointWriteResult save_checkpoint(const std::string& folder, const NamedTensors& tensors, uint64_t max_shard_bytes,
                                      const StringMap& metadata) {
  make_dirs(folder);
  StringMap meta = metadata;
  meta.emplace("format", "pt");

  // Greedy packing in the given order, as transformers' shard splitter does.
  std::vector<std::vector<size_t>> shards(1);
  uint64_t current = 0, total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const torch::Tensor& t = tensors[i].second;
    check(t.defined(), folder, ": tensor '", tensors[i].first, "' is undefined");
    uint64_t n = static_cast<uint64_t>(t.numel()) * t.element_size();
    if (max_shard_bytes > 0 && !shards.back().empty() && current + n > max_shard_bytes) {
      shards.emplace_back();
      current = 0;
    }
    shards.back().push_back(i);
    current += n;
    total += n;
  }

  CheckpointWriteResult result;
  result.total_size = total;
  if (shards.size() == 1) {
    save_safetensors(join_path(folder, kSafetensorsWeightsFile), tensors, meta);
    result.files.push_back(kSafetensorsWeightsFile);
  } else {
    json weight_map = json::object();
    for (size_t k = 0; k < shards.size(); ++k) {
      std::string name = shard_name(k + 1, shards.size());
      NamedTensors part;
      for (size_t i : shards[k]) {
        part.push_back(tensors[i]);
        weight_map[tensors[i].first] = name;
      }
      save_safetensors(join_path(folder, name), part, meta);
      result.files.push_back(name);
    }
    json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
    write_json_file(join_path(folder, kSafetensorsIndexFile), index);
    result.files.push_back(kSafetensorsIndexFile);
  }

  // Drop what an earlier save left behind: a stale index would shadow a new
  // single file, and stale shards would confuse a reader of the folder.
  std::set<std::string> keep(result.files.begin(), result.files.end());
  static const std::regex shard_re(R"(model-\d{5}-of-\d{5}\.safetensors)");
  for (const auto& de : list_dir(folder)) {
    const std::string& fname = de.name;
    bool ours = fname == kSafetensorsWeightsFile || fname == kSafetensorsIndexFile || std::regex_match(fname, shard_re);
    if (ours && !keep.count(fname)) std::remove(join_path(folder, fname).c_str());
  }
  return result;
}

std::map<std::string, torch::Tensor> load_checkpoint(const std::string& folder) {
  CheckpointReader reader(folder);
  std::map<std::string, torch::Tensor> out;
  for (const auto& name : reader.names()) out.emplace(name, reader.load(name));
  return out;
}

}  // namespace vlsi::io
