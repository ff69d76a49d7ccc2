// RUN/teacher and layer_pairing.json (distill/served_folders.h) on small
// folders: links not copies, verbalizers copied, a teacher without a
// tokenizer gets the given one, reruns are no-ops; the pairing's matches.
#include <gtest/gtest.h>

#include <filesystem>

#include "../train/sft_fixture.h"
#include "vlsi/distill/served_folders.h"
#include "vlsi/distill/verbalizer_set.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"

namespace vlsi::distill::served_folders_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST(ServedFolders, TeacherFolderLinksTheModelAndCopiesVerbalizers) {
  const std::string dir = test_support::fresh_dir("served_folders");
  io::make_dirs(dir + "/t");
  io::make_dirs(dir + "/v");
  io::write_file_atomic(dir + "/t/config.json", "{}");
  io::write_file_atomic(dir + "/t/model.safetensors", "weights");
  io::write_file_atomic(dir + "/t/verbalizers.json", "stale");  // the teacher's own: replaced by the run's
  io::write_file_atomic(dir + "/tok.json", "tokenizer");
  io::write_file_atomic(dir + "/v/" + std::string(kVerbalizerConfigFile), "vj");
  io::write_file_atomic(dir + "/v/" + std::string(kVerbalizerWeightsFile), "vw");
  write_teacher_folder(dir + "/t", dir + "/tok.json", dir + "/v", dir + "/run/teacher");
  EXPECT_TRUE(fs::is_symlink(dir + "/run/teacher/config.json"));
  EXPECT_TRUE(fs::is_symlink(dir + "/run/teacher/model.safetensors"));
  EXPECT_EQ(io::read_file(dir + "/run/teacher/model.safetensors"), "weights");
  EXPECT_EQ(io::read_file(dir + "/run/teacher/tokenizer.json"), "tokenizer");  // the teacher had none
  EXPECT_FALSE(fs::is_symlink(dir + "/run/teacher/verbalizers.json"));
  EXPECT_EQ(io::read_file(dir + "/run/teacher/verbalizers.json"), "vj");
  EXPECT_EQ(io::read_file(dir + "/run/teacher/verbalizers.safetensors"), "vw");
  // Complete: a rerun leaves it alone (even with other verbalizers).
  io::write_file_atomic(dir + "/v/" + std::string(kVerbalizerConfigFile), "changed");
  write_teacher_folder(dir + "/t", dir + "/tok.json", dir + "/v", dir + "/run/teacher");
  EXPECT_EQ(io::read_file(dir + "/run/teacher/verbalizers.json"), "vj");
  // Removing the run removes links, not the teacher.
  io::remove_tree(dir + "/run");
  EXPECT_EQ(io::read_file(dir + "/t/model.safetensors"), "weights");
  // No tokenizer anywhere: a one-line error naming the folder.
  try {
    write_teacher_folder(dir + "/t", "", dir + "/v", dir + "/run2/teacher");
    ADD_FAILURE() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("has no tokenizer.json"), std::string::npos) << e.what();
  }
  io::remove_tree(dir);
}

TEST(ServedFolders, PairingTakesEachStudentLayersMostMatchedTeacherLayer) {
  const json interact = {{"student_target_layers", {0, 2}},
                         {"teacher_target_layers", {1, 3, 5}},
                         {"match_counts", {{2, 9, 1}, {4, 4, 0}}}};
  const json p = layer_pairing_from_interact(interact, "interact.json");
  EXPECT_EQ(p["matched"], json({3, 1}));  // a tie takes the earlier teacher layer
  EXPECT_EQ(p["match_counts"], interact["match_counts"]);
  json short_row = interact;
  short_row["match_counts"][1] = {1, 2};
  EXPECT_THROW(layer_pairing_from_interact(short_row, "interact.json"), std::exception);
  json missing = interact;
  missing.erase("match_counts");
  try {
    layer_pairing_from_interact(missing, "interact.json");
    ADD_FAILURE() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("'match_counts'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vlsi::distill::served_folders_test
