#pragma once
// A checkpoint's manifest.json, written last into the folder before it is
// renamed into place:
//   {"format": "vlsi-checkpoint", "version": 1, "step": 40, "hash": "xxh64",
//    "files": [{"path": "model/model.safetensors", "bytes": 123456, "xxh64": "0123456789abcdef"}, ...]}
// Every other file under the folder is listed (paths relative to it, sorted).
// XXH64 because it hashes at memory speed (a multi-GB checkpoint costs well
// under a second on top of writing it) and 64 bits make an undetected random
// corruption practically impossible; it guards against damage, not tampering.
#include <cstdint>
#include <string>

namespace vlsi::train {

inline constexpr const char* kManifestFile = "manifest.json";

// Hashes every file under `dir` (flushing each to disk) and writes dir/manifest.json.
void write_checkpoint_manifest(const std::string& dir, int64_t step);

// Throws a one-line Error naming the first problem: no or unreadable manifest, a
// step other than the folder's, a listed file missing or of another size or
// checksum, or a file the manifest does not list.
void verify_checkpoint_manifest(const std::string& dir, int64_t step);

}  // namespace vlsi::train
