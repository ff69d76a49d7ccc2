#include "vlsi/train/checkpoint.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/error.h"

namespace vlsi::train {
namespace fs = std::filesystem;

namespace {
std::string step_name(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "step-%08lld", static_cast<long long>(step));
  return buf;
}
}  // namespace

CheckpointManager::CheckpointManager(std::string run_dir, int64_t keep)
    : root_((fs::path(run_dir) / "checkpoints").string()), keep_(std::max<int64_t>(1, keep)) {}

int64_t CheckpointManager::step_of(const std::string& dir) {
  std::string name = fs::path(dir).filename().string();
  check(name.rfind("step-", 0) == 0, dir, ": not a checkpoint folder (expected step-NNNNNNNN)");
  return std::stoll(name.substr(5));
}

std::vector<std::string> CheckpointManager::list() const {
  std::vector<std::string> out;
  if (!io::is_directory(root_)) return out;
  for (const auto& e : io::list_dir(root_))  // sorted by name, so by step
    if (e.is_dir && e.name.rfind("step-", 0) == 0 && e.name.size() == 13) out.push_back(io::join_path(root_, e.name));
  return out;
}

std::optional<std::string> CheckpointManager::latest() const {
  auto all = list();
  if (all.empty()) return std::nullopt;
  return all.back();
}

std::string CheckpointManager::begin(int64_t step) const {
  std::string tmp = (fs::path(root_) / (".tmp-" + step_name(step))).string();
  io::remove_tree(tmp);  // leftovers of a run killed while writing
  io::make_dirs(tmp);
  return tmp;
}

std::string CheckpointManager::commit(int64_t step, const std::string& tmp_dir) const {
  std::string final_dir = (fs::path(root_) / step_name(step)).string();
  io::remove_tree(final_dir);
  check(std::rename(tmp_dir.c_str(), final_dir.c_str()) == 0, final_dir, ": cannot move checkpoint into place (",
        std::strerror(errno), ")");
  auto all = list();
  for (size_t i = 0; i + keep_ < all.size(); ++i) io::remove_tree(all[i]);
  return final_dir;
}

}  // namespace vlsi::train
