#pragma once
// Checkpoint folders under RUN/checkpoints/step-NNNNNNNN. Each is filled in a
// hidden temporary folder, sealed with a manifest of its files' sizes and
// checksums (checkpoint_manifest.h), flushed to disk and renamed into place, so a
// killed run never leaves a half-written step-* folder; one damaged later (disk,
// copy, hand edit) fails its manifest check and the resume falls back to the
// previous one, which is why at least two are kept.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vlsi::train {

class CheckpointManager {
 public:
  CheckpointManager(std::string run_dir, int64_t keep);

  // The newest checkpoint folder, if any (not verified: see verify_checkpoint).
  std::optional<std::string> latest() const;
  // The step in a folder name step-NNNNNNNN; fails naming the folder otherwise.
  static int64_t step_of(const std::string& checkpoint_dir);

  // Where the checkpoint of `step` lives once committed.
  std::string path_of(int64_t step) const;
  // Returns an empty temporary folder to fill for `step`.
  std::string begin(int64_t step) const;
  // Moves the filled folder into place, flushes the rename to disk and prunes
  // all but the newest `keep`.
  std::string commit(int64_t step, const std::string& tmp_dir) const;
  // Removes a temporary folder whose writing failed (frees the space it took).
  void discard(const std::string& tmp_dir) const;

  std::vector<std::string> list() const;  // checkpoint folders, oldest first
  const std::string& root() const { return root_; }

 private:
  std::string root_;
  int64_t keep_;
};

}  // namespace vlsi::train
