#include <gtest/gtest.h>

#include <filesystem>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"
#include "vlsi/train/checkpoint.h"
#include "vlsi/train/lr_schedule.h"
#include "vlsi/train/train_config.h"

using namespace vlsi;
namespace fs = std::filesystem;

TEST(LrSchedule, WarmupThenCosineToFloor) {
  train::LrSchedule s{1e-3, 1e-5, 10, 110};
  EXPECT_NEAR(s.at(0), 1e-4, 1e-12);
  EXPECT_NEAR(s.at(9), 1e-3, 1e-12);
  EXPECT_NEAR(s.at(10), 1e-3, 1e-12);
  EXPECT_NEAR(s.at(60), 1e-5 + 0.5 * (1e-3 - 1e-5), 1e-12);  // half way through the decay
  EXPECT_NEAR(s.at(110), 1e-5, 1e-12);
  for (int i = 11; i < 110; ++i) EXPECT_LE(s.at(i), s.at(i - 1));
}

TEST(TrainerConfig, RejectsBadValuesAndUnknownKeys) {
  EXPECT_THROW(train::TrainerConfig::from_json({{"max_steps", 0}}, "t.json"), Error);
  EXPECT_THROW(train::TrainerConfig::from_json({{"lr", 1e-3}, {"min_lr", 1e-2}}, "t.json"), Error);
  EXPECT_THROW(train::TrainerConfig::from_json({{"learning_rate", 1e-3}}, "t.json"), Error);
  auto c = train::TrainerConfig::from_json({{"max_steps", 5}, {"lr", 0.01}}, "t.json");
  EXPECT_EQ(c.max_steps, 5);
  EXPECT_EQ(c.batch_size, 8);
}

TEST(CheckpointManager, CommitIsAtomicAndPrunes) {
  std::string run = testing::TempDir() + "/vlsi_ckpt_test";
  fs::remove_all(run);
  train::CheckpointManager m(run, 2);
  EXPECT_FALSE(m.latest().has_value());
  for (int step : {10, 20, 30}) {
    std::string tmp = m.begin(step);
    io::write_file_atomic(tmp + "/x.txt", std::to_string(step));
    // Before commit, the half-written folder is invisible.
    if (step == 10) EXPECT_FALSE(m.latest().has_value());
    m.commit(step, tmp);
  }
  auto all = m.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(train::CheckpointManager::step_of(*m.latest()), 30);
  EXPECT_EQ(io::read_file(*m.latest() + "/x.txt"), "30");
  // A leftover temp folder from a killed run is ignored and replaced.
  std::string tmp = m.begin(40);
  EXPECT_EQ(train::CheckpointManager::step_of(*m.latest()), 30);
  fs::remove_all(tmp);
}
