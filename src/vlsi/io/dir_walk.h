#pragma once
// Folder listing, walking and removal with POSIX calls (opendir/readdir/lstat).
// std::filesystem's directory iterators and remove_all are avoided on purpose:
// PyTorch >= 2.5 binaries export their own statically linked copy of them, and
// calls that bind to it crash (pytorch#133437).
#include <functional>
#include <string>
#include <vector>

namespace vlsi::io {

struct DirEntry {
  std::string name;      // the entry's own name ("metrics.jsonl")
  bool is_dir = false;   // a real folder (a symlink to a folder is not, so walks never loop)
  bool is_file = false;  // a regular file, or a symlink to one
};

// Entries of `path` except "." and "..", sorted by name (byte order), so
// callers see a deterministic order. Fails with "PATH: cannot list (reason)".
std::vector<DirEntry> list_dir(const std::string& path);

bool is_directory(const std::string& path);

// Visits every entry under `root`, depth-first in name order, passing the path
// relative to root ("a/b/metrics.jsonl") and the entry. Folders are entered
// when their depth (root's children are depth 1) is below `max_depth` and the
// visitor returns true for them; the return value is ignored for files.
// Unreadable subfolders are skipped (a report should not die on one).
using WalkVisitor = std::function<bool(const std::string& relative_path, const DirEntry& entry)>;
void walk_dir(const std::string& root, int max_depth, const WalkVisitor& visit);

// rm -rf: removes `path` and everything under it; a missing path is fine.
void remove_tree(const std::string& path);

// "a/b" + "c" -> "a/b/c" (no doubled slash; an empty side yields the other).
std::string join_path(const std::string& a, const std::string& b);

}  // namespace vlsi::io
