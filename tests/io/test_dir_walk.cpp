#include <gtest/gtest.h>
#include <unistd.h>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/error.h"

using namespace vlsi;

namespace {
std::string make_tree() {
  std::string root = "/tmp/vlsi_dir_walk_" + std::to_string(::getpid());
  io::remove_tree(root);
  io::make_dirs(root + "/b/deep/deeper");
  io::make_dirs(root + "/a");
  io::write_file_atomic(root + "/z.txt", "z");
  io::write_file_atomic(root + "/a/one.txt", "1");
  io::write_file_atomic(root + "/b/deep/two.txt", "2");
  io::write_file_atomic(root + "/b/deep/deeper/three.txt", "3");
  return root;
}
}  // namespace

TEST(DirWalk, ListsSortedAndTyped) {
  std::string root = make_tree();
  auto entries = io::list_dir(root);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].name, "a");
  EXPECT_TRUE(entries[0].is_dir);
  EXPECT_EQ(entries[2].name, "z.txt");
  EXPECT_TRUE(entries[2].is_file);
  EXPECT_FALSE(entries[2].is_dir);
  EXPECT_TRUE(io::is_directory(root));
  EXPECT_FALSE(io::is_directory(root + "/z.txt"));
  io::remove_tree(root);
  EXPECT_FALSE(io::file_exists(root));
}

TEST(DirWalk, WalkHonoursDepthAndPruning) {
  std::string root = make_tree();
  std::vector<std::string> seen;
  io::walk_dir(root, 3, [&](const std::string& rel, const io::DirEntry& e) {
    seen.push_back(rel);
    return e.name != "a";  // do not enter a/
  });
  std::vector<std::string> expected = {"a", "b", "b/deep", "b/deep/deeper", "b/deep/two.txt", "z.txt"};
  EXPECT_EQ(seen, expected);
  seen.clear();
  io::walk_dir(root, 1, [&](const std::string& rel, const io::DirEntry&) {
    seen.push_back(rel);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "z.txt"}));
  io::remove_tree(root);
}

TEST(DirWalk, ErrorsAndJoin) {
  EXPECT_THROW(io::list_dir("/nonexistent/vlsi_dir"), Error);
  io::remove_tree("/nonexistent/vlsi_dir");  // missing is fine
  EXPECT_EQ(io::join_path("a", "b"), "a/b");
  EXPECT_EQ(io::join_path("a/", "b"), "a/b");
  EXPECT_EQ(io::join_path("", "b"), "b");
}
