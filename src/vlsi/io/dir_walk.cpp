#include "vlsi/io/dir_walk.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "vlsi/io/error.h"

namespace vlsi::io {

std::string join_path(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

namespace {
// Lists without failing; returns false (errno set) when the folder cannot be opened.
bool try_list_dir(const std::string& path, std::vector<DirEntry>* out) {
  DIR* d = ::opendir(path.c_str());
  if (!d) return false;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    DirEntry entry;
    entry.name = name;
    struct stat st {};
    std::string full = join_path(path, name);
    if (::lstat(full.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) {
        entry.is_dir = true;
      } else if (S_ISREG(st.st_mode)) {
        entry.is_file = true;
      } else if (S_ISLNK(st.st_mode)) {
        struct stat target {};
        entry.is_file = ::stat(full.c_str(), &target) == 0 && S_ISREG(target.st_mode);
      }
    }
    out->push_back(std::move(entry));
  }
  ::closedir(d);
  std::sort(out->begin(), out->end(), [](const DirEntry& x, const DirEntry& y) { return x.name < y.name; });
  return true;
}

void walk_below(const std::string& root, const std::string& rel, int depth, int max_depth, const WalkVisitor& visit) {
  std::vector<DirEntry> entries;
  if (!try_list_dir(rel.empty() ? root : join_path(root, rel), &entries)) return;
  for (const DirEntry& e : entries) {
    std::string child = join_path(rel, e.name);
    bool enter = visit(child, e);
    if (e.is_dir && enter && depth < max_depth) walk_below(root, child, depth + 1, max_depth, visit);
  }
}
}  // namespace

std::vector<DirEntry> list_dir(const std::string& path) {
  std::vector<DirEntry> entries;
  if (!try_list_dir(path, &entries)) fail(path, ": cannot list (", std::strerror(errno), ")");
  return entries;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void walk_dir(const std::string& root, int max_depth, const WalkVisitor& visit) {
  if (max_depth < 1) return;
  walk_below(root, "", 1, max_depth, visit);
}

void remove_tree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;  // already gone
  if (S_ISDIR(st.st_mode)) {
    for (const DirEntry& e : list_dir(path)) remove_tree(join_path(path, e.name));
    check(::rmdir(path.c_str()) == 0, path, ": cannot remove folder (", std::strerror(errno), ")");
  } else {
    check(::unlink(path.c_str()) == 0, path, ": cannot remove (", std::strerror(errno), ")");
  }
}

}  // namespace vlsi::io
