#pragma once
// Checkpoint folders under RUN/checkpoints/step-NNNNNNNN. Each is filled in a
// hidden temporary folder and renamed into place, so any step-* folder that
// exists is complete; a killed run resumes from the newest one.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vlsi::train {

class CheckpointManager {
 public:
  CheckpointManager(std::string run_dir, int64_t keep);

  // The newest complete checkpoint folder, if any.
  std::optional<std::string> latest() const;
  static int64_t step_of(const std::string& checkpoint_dir);

  // Returns an empty temporary folder to fill for `step`.
  std::string begin(int64_t step) const;
  // Moves the filled folder into place and prunes all but the newest `keep`.
  std::string commit(int64_t step, const std::string& tmp_dir) const;

  std::vector<std::string> list() const;  // complete checkpoints, oldest first

 private:
  std::string root_;
  int64_t keep_;
};

}  // namespace vlsi::train
