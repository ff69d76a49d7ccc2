// Checkpoint manifests: every file listed with size and XXH64; any damage
// (flipped byte, truncation, missing or extra file, wrong step) is caught with a
// one-line error naming the file. And the checkpoint folder naming rules.
#include <gtest/gtest.h>

#include <functional>

#include "../support/temp_dir.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/train/checkpoint.h"
#include "vlsi/train/checkpoint_manifest.h"

using namespace vlsi;

namespace {

std::string sealed_checkpoint(const std::string& root, int64_t step) {
  train::CheckpointManager m(root, 10);
  std::string tmp = m.begin(step);
  io::write_file_atomic(tmp + "/optimizer.pt", std::string(5000, 'o'));
  io::write_file_atomic(tmp + "/model/model.safetensors", std::string(3000, 'w'));
  io::write_file_atomic(tmp + "/trainer_state.json", "{\"step\": " + std::to_string(step) + "}");
  train::write_checkpoint_manifest(tmp, step);
  return m.commit(step, tmp);
}

// The error verify_checkpoint_manifest gives, or "" when the checkpoint passes.
std::string verify_error(const std::string& dir, int64_t step) {
  try {
    train::verify_checkpoint_manifest(dir, step);
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

}  // namespace

TEST(CheckpointManifest, ListsEveryFileWithSizeAndHash) {
  std::string root = test_dirs::scratch_dir("vlsi_manifest_");
  std::string dir = sealed_checkpoint(root, 7);
  auto m = io::read_json_file(dir + "/manifest.json");
  EXPECT_EQ(m["format"], "vlsi-checkpoint");
  EXPECT_EQ(m["step"], 7);
  ASSERT_EQ(m["files"].size(), 3u);
  EXPECT_EQ(m["files"][0]["path"], "model/model.safetensors");
  EXPECT_EQ(m["files"][0]["bytes"], 3000);
  EXPECT_EQ(m["files"][0]["xxh64"].get<std::string>().size(), 16u);
  EXPECT_EQ(verify_error(dir, 7), "");
}

TEST(CheckpointManifest, EveryDamageIsNamed) {
  struct Case {
    const char* what;
    std::function<void(const std::string&)> damage;
    std::string names;  // expected in the message
  };
  std::vector<Case> cases = {
      {"flipped byte",
       [](const std::string& d) { io::write_file_atomic(d + "/optimizer.pt", std::string(4999, 'o') + "x"); },
       "optimizer.pt: checksum"},
      {"truncated", [](const std::string& d) { io::write_file_atomic(d + "/model/model.safetensors", "w"); },
       "model.safetensors: 1 bytes"},
      {"missing file", [](const std::string& d) { io::remove_tree(d + "/optimizer.pt"); }, "optimizer.pt: missing"},
      {"extra file", [](const std::string& d) { io::write_file_atomic(d + "/rng.pt", "r"); }, "rng.pt: not listed"},
      {"no manifest", [](const std::string& d) { io::remove_tree(d + "/manifest.json"); }, "manifest.json: missing"},
      {"torn manifest", [](const std::string& d) { io::write_file_atomic(d + "/manifest.json", "{\"format\": \"vl"); },
       "manifest.json: not valid JSON"},
      {"escaping path",
       [](const std::string& d) {
         auto m = io::read_json_file(d + "/manifest.json");
         m["files"][0]["path"] = "../x";
         io::write_json_file(d + "/manifest.json", m);
       },
       "is not inside the checkpoint"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    std::string root = test_dirs::scratch_dir("vlsi_manifest_", std::to_string(i));
    std::string dir = sealed_checkpoint(root, 3);
    c.damage(dir);
    std::string err = verify_error(dir, 3);
    EXPECT_NE(err.find(c.names), std::string::npos) << c.what << ": " << err;
    EXPECT_NE(err.find(dir), std::string::npos) << c.what << ": " << err;
    EXPECT_EQ(err.find('\n'), std::string::npos) << c.what;
  }
}

TEST(CheckpointManifest, StepMustBeTheFolders) {
  std::string root = test_dirs::scratch_dir("vlsi_manifest_");
  std::string dir = sealed_checkpoint(root, 5);
  std::string err = verify_error(dir, 6);  // e.g. step-00000005 copied to step-00000006
  EXPECT_NE(err.find("records step 5 but the folder is step 6"), std::string::npos) << err;
}

TEST(CheckpointManager, IgnoresForeignNamesAndSortsBeyondEightDigits) {
  std::string run = test_dirs::scratch_dir("vlsi_ckpt_names_");
  train::CheckpointManager m(run, 10);
  io::make_dirs(run + "/checkpoints/step-abcdefgh");  // once made std::stoll throw an error naming nothing
  io::make_dirs(run + "/checkpoints/step-1");
  EXPECT_FALSE(m.latest().has_value());
  for (int64_t step : {99999999LL, 123456789LL, 7LL}) m.commit(step, m.begin(step));
  auto all = m.list();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(train::CheckpointManager::step_of(all[0]), 7);
  EXPECT_EQ(train::CheckpointManager::step_of(all[2]), 123456789);
  EXPECT_THROW(train::CheckpointManager::step_of(run + "/checkpoints/step-abcdefgh"), Error);
}
