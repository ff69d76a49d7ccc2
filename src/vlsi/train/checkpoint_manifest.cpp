#include "vlsi/train/checkpoint_manifest.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/error.h"
#include "vlsi/io/xxhash64.h"

namespace vlsi::train {
using nlohmann::json;

namespace {

constexpr const char* kFormat = "vlsi-checkpoint";
constexpr int64_t kVersion = 1;

struct FileDigest {
  uint64_t bytes = 0;
  std::string xxh64;
};

// Size and XXH64 of a file; with `sync`, also flushes it to disk (fsync works on a read-only descriptor).
FileDigest digest_file(const std::string& path, bool sync) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  check(f != nullptr, path, ": cannot read (", std::strerror(errno), ")");
  io::Xxh64 hash;
  FileDigest d;
  std::vector<char> buf(1 << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) {
    hash.update(buf.data(), n);
    d.bytes += n;
  }
  check(!std::ferror(f.get()), path, ": read error (", std::strerror(errno), ")");
  if (sync) check(::fsync(fileno(f.get())) == 0, path, ": cannot flush to disk (", std::strerror(errno), ")");
  d.xxh64 = io::xxh64_hex(hash.digest());
  return d;
}

// Relative paths of the regular files under `dir` (manifest.json excluded), sorted; folders synced on the way.
std::vector<std::string> files_under(const std::string& dir, bool sync) {
  std::vector<std::string> files;
  if (sync) io::sync_folder(dir);
  io::walk_dir(dir, 16, [&](const std::string& rel, const io::DirEntry& e) {
    if (e.is_dir) {
      if (sync) io::sync_folder(io::join_path(dir, rel));
    } else if (rel != kManifestFile) {
      files.push_back(rel);
    }
    return true;
  });
  return files;
}

std::string field_string(const json& j, const char* key, const std::string& where) {
  check(j.is_object() && j.contains(key) && j[key].is_string(), where, ": field '", key, "': expected a string");
  return j[key].get<std::string>();
}

int64_t field_int(const json& j, const char* key, const std::string& where) {
  check(j.is_object() && j.contains(key) && j[key].is_number_integer(), where, ": field '", key,
        "': expected an integer");
  return j[key].get<int64_t>();
}

}  // namespace

void write_checkpoint_manifest(const std::string& dir, int64_t step) {
  json files = json::array();
  for (const auto& rel : files_under(dir, /*sync=*/true)) {
    FileDigest d = digest_file(io::join_path(dir, rel), /*sync=*/true);
    files.push_back({{"path", rel}, {"bytes", d.bytes}, {"xxh64", d.xxh64}});
  }
  json manifest = {{"format", kFormat}, {"version", kVersion}, {"step", step}, {"hash", "xxh64"}, {"files", files}};
  io::write_file_atomic(io::join_path(dir, kManifestFile), manifest.dump(1) + "\n");
}

void verify_checkpoint_manifest(const std::string& dir, int64_t step) {
  const std::string path = io::join_path(dir, kManifestFile);
  check(io::file_exists(path), path, ": missing (the checkpoint was not completed, or predates checkpoint manifests)");
  json m = json::parse(io::read_file(path), nullptr, /*allow_exceptions=*/false);
  check(!m.is_discarded(), path, ": not valid JSON (damaged)");
  check(field_string(m, "format", path) == kFormat && field_int(m, "version", path) == kVersion, path,
        ": not a version-", kVersion, " ", kFormat, " manifest");
  check(field_string(m, "hash", path) == "xxh64", path, ": field 'hash': expected \"xxh64\"");
  const int64_t listed_step = field_int(m, "step", path);
  check(listed_step == step, path, ": records step ", listed_step, " but the folder is step ", step);
  check(m.contains("files") && m["files"].is_array(), path, ": field 'files': expected an array");
  std::set<std::string> listed;
  for (const auto& f : m["files"]) {
    const std::string rel = field_string(f, "path", path + ": files[]");
    check(!rel.empty() && rel[0] != '/' && rel.find("..") == std::string::npos, path, ": file path \"", rel,
          "\" is not inside the checkpoint");
    const int64_t bytes = field_int(f, "bytes", path + ": files[" + rel + "]");
    const std::string want = field_string(f, "xxh64", path + ": files[" + rel + "]");
    const std::string file = io::join_path(dir, rel);
    check(io::file_exists(file), file, ": missing (listed in ", kManifestFile, ")");
    FileDigest d = digest_file(file, /*sync=*/false);
    check(int64_t(d.bytes) == bytes, file, ": ", d.bytes, " bytes, the manifest lists ", bytes, " (truncated or damaged)");
    check(d.xxh64 == want, file, ": checksum xxh64 ", d.xxh64, ", the manifest lists ", want, " (damaged)");
    listed.insert(rel);
  }
  for (const auto& rel : files_under(dir, /*sync=*/false))
    check(listed.count(rel) == 1, io::join_path(dir, rel), ": not listed in ", kManifestFile,
          " (the checkpoint folder was changed after it was written)");
}

}  // namespace vlsi::train
