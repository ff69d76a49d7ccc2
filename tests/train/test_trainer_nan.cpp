#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "vlsi/io/error.h"
#include "vlsi/train/checkpoint.h"
#include "vlsi/train/trainer.h"

using namespace vlsi;

namespace {
// A one-parameter task whose loss turns NaN at a chosen step.
class ScalarTask : public train::TrainTask {
 public:
  explicit ScalarTask(int nan_at) : nan_at_(nan_at) { w_ = torch::ones({2, 2}).requires_grad_(true); }
  std::string name() const override { return "scalar"; }
  std::vector<torch::Tensor> trainable_parameters() override { return {w_}; }
  train::LossOutput compute_loss(const data::Batch&) override {
    ++calls_;
    train::LossOutput o;
    o.loss = (w_ * w_).sum();
    if (calls_ == nan_at_) o.loss = o.loss * std::numeric_limits<double>::quiet_NaN();
    o.tokens = 1;
    return o;
  }
  void set_training(bool) override {}
  void save(const std::string& dir) const override { std::filesystem::create_directories(dir); }
  void load(const std::string&) override {}

 private:
  torch::Tensor w_;
  int nan_at_, calls_ = 0;
};
}  // namespace

TEST(Trainer, StopsOnNonFiniteLossKeepingCheckpoints) {
  std::string run = testing::TempDir() + "/vlsi_nan_run";
  std::filesystem::remove_all(run);
  train::TrainerConfig c;
  c.max_steps = 20;
  c.ckpt_every = 2;
  c.lr = 0.1;
  c.min_lr = 0.01;
  c.threads = 1;
  train::Trainer t(c, run, "nan-test");
  ScalarTask task(/*nan_at=*/7);
  train::BatchStream data;
  data.next = [] { return data::Batch{}; };
  try {
    t.run(task, data, false);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("step 7"), std::string::npos) << msg;
    EXPECT_NE(msg.find("not finite"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
  }
  train::CheckpointManager m(run, c.keep_checkpoints);
  ASSERT_TRUE(m.latest().has_value());
  EXPECT_EQ(train::CheckpointManager::step_of(*m.latest()), 6);
  std::filesystem::remove_all(run);
}
