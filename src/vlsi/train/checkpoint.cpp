#include "vlsi/train/checkpoint.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/error.h"

namespace vlsi::train {

namespace {
constexpr size_t kPrefix = 5;  // "step-"

std::string step_name(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "step-%08lld", static_cast<long long>(step));
  return buf;
}

// step-NNNNNNNN (8 or more digits, so steps past 10^8 still sort and list).
bool is_step_name(const std::string& name) {
  if (name.rfind("step-", 0) != 0 || name.size() < kPrefix + 8 || name.size() > kPrefix + 18) return false;
  return std::all_of(name.begin() + kPrefix, name.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string base_name(const std::string& path) {
  size_t end = path.find_last_not_of('/');
  if (end == std::string::npos) return path;
  size_t slash = path.rfind('/', end);
  return path.substr(slash == std::string::npos ? 0 : slash + 1, end - (slash == std::string::npos ? 0 : slash + 1) + 1);
}
}  // namespace

CheckpointManager::CheckpointManager(std::string run_dir, int64_t keep)
    : root_(io::join_path(run_dir, "checkpoints")), keep_(std::max<int64_t>(1, keep)) {}

int64_t CheckpointManager::step_of(const std::string& dir) {
  const std::string name = base_name(dir);
  check(is_step_name(name), dir, ": not a checkpoint folder (expected step-NNNNNNNN)");
  return std::stoll(name.substr(kPrefix));
}

std::vector<std::string> CheckpointManager::list() const {
  std::vector<std::pair<int64_t, std::string>> found;
  if (!io::is_directory(root_)) return {};
  for (const auto& e : io::list_dir(root_))
    if (e.is_dir && is_step_name(e.name)) found.emplace_back(std::stoll(e.name.substr(kPrefix)), e.name);
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (const auto& f : found) out.push_back(io::join_path(root_, f.second));
  return out;
}

std::optional<std::string> CheckpointManager::latest() const {
  auto all = list();
  if (all.empty()) return std::nullopt;
  return all.back();
}

std::string CheckpointManager::begin(int64_t step) const {
  std::string tmp = io::join_path(root_, ".tmp-" + step_name(step));
  io::remove_tree(tmp);  // leftovers of a run killed while writing
  io::make_dirs(tmp);
  return tmp;
}

std::string CheckpointManager::path_of(int64_t step) const { return io::join_path(root_, step_name(step)); }

std::string CheckpointManager::commit(int64_t step, const std::string& tmp_dir) const {
  std::string final_dir = path_of(step);
  io::remove_tree(final_dir);  // a damaged copy the resume skipped
  check(std::rename(tmp_dir.c_str(), final_dir.c_str()) == 0, final_dir, ": cannot move checkpoint into place (",
        std::strerror(errno), ")");
  io::sync_folder(root_);
  auto all = list();
  for (size_t i = 0; i + keep_ < all.size(); ++i) io::remove_tree(all[i]);
  return final_dir;
}

void CheckpointManager::discard(const std::string& tmp_dir) const { io::remove_tree(tmp_dir); }

}  // namespace vlsi::train
