#include "vlsi/train/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "vlsi/io/atomic_file.h"
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
  if (!fs::is_directory(root_)) return out;
  for (auto& e : fs::directory_iterator(root_)) {
    std::string name = e.path().filename().string();
    if (e.is_directory() && name.rfind("step-", 0) == 0 && name.size() == 13) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string> CheckpointManager::latest() const {
  auto all = list();
  if (all.empty()) return std::nullopt;
  return all.back();
}

std::string CheckpointManager::begin(int64_t step) const {
  std::string tmp = (fs::path(root_) / (".tmp-" + step_name(step))).string();
  std::error_code ec;
  fs::remove_all(tmp, ec);  // leftovers of a run killed while writing
  io::make_dirs(tmp);
  return tmp;
}

std::string CheckpointManager::commit(int64_t step, const std::string& tmp_dir) const {
  std::string final_dir = (fs::path(root_) / step_name(step)).string();
  std::error_code ec;
  fs::remove_all(final_dir, ec);
  fs::rename(tmp_dir, final_dir, ec);
  check(!ec, final_dir, ": cannot move checkpoint into place (", ec.message(), ")");
  auto all = list();
  for (size_t i = 0; i + keep_ < all.size(); ++i) fs::remove_all(all[i], ec);
  return final_dir;
}

}  // namespace vlsi::train
