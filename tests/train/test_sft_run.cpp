#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sft_fixture.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/train/sft_run.h"

using namespace vlsi;
namespace fs = std::filesystem;

namespace {

std::vector<io::json> read_metrics(const std::string& path, const std::string& split) {
  std::vector<io::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    auto j = io::json::parse(line);
    if (j["split"] == split) out.push_back(j);
  }
  return out;
}

double mean_loss(const std::vector<io::json>& recs, size_t from, size_t to) {
  double s = 0;
  for (size_t i = from; i < to; ++i) s += recs[i]["loss"].get<double>();
  return s / double(to - from);
}

}  // namespace

TEST(SftRun, LossFallsAndRunFolderIsComplete) {
  std::string dir = test_support::fresh_dir("loss");
  test_support::make_sft_fixture(dir);
  auto cfg = train::resolve_sft_config(test_support::sft_config(dir, dir + "/run", 40), {}, "test");
  auto summary = train::run_sft(cfg, false);
  auto train = read_metrics(dir + "/run/metrics.jsonl", "train");
  ASSERT_EQ(train.size(), 40u);
  double first = mean_loss(train, 0, 5), last = mean_loss(train, 35, 40);
  EXPECT_LT(last, 0.6 * first) << "first " << first << " last " << last;
  EXPECT_FALSE(read_metrics(dir + "/run/metrics.jsonl", "val").empty());
  for (const char* f : {"config.json", "summary.json", "model/config.json", "model/model.safetensors",
                        "model/tokenizer.json", "model/preprocessor_config.json"})
    EXPECT_TRUE(fs::exists(dir + "/run/" + f)) << f;
  EXPECT_EQ(summary["steps"], 40);
  // A complete run is not run again.
  auto again = train::run_sft(cfg, false);
  EXPECT_EQ(again["seconds"], summary["seconds"]);
}

TEST(SftRun, ResumeFromCheckpointReproducesTheUninterruptedRun) {
  std::string dir = test_support::fresh_dir("resume");
  test_support::make_sft_fixture(dir);
  auto full = train::resolve_sft_config(test_support::sft_config(dir, dir + "/full", 12), {}, "test");
  train::run_sft(full, false);

  // A run "killed" after its step-5 checkpoint: copy that state into a new folder.
  std::string cut = dir + "/cut";
  fs::create_directories(cut + "/checkpoints");
  fs::copy(dir + "/full/checkpoints/step-00000005", cut + "/checkpoints/step-00000005", fs::copy_options::recursive);
  auto resumed_cfg = train::resolve_sft_config(test_support::sft_config(dir, cut, 12), {}, "test");
  EXPECT_THROW(train::run_sft(resumed_cfg, false), Error);  // refuses to clobber without --resume
  auto s = train::run_sft(resumed_cfg, true);
  EXPECT_EQ(s["resumed_from"], 5);

  auto a = io::load_safetensors(dir + "/full/model/model.safetensors");
  auto b = io::load_safetensors(cut + "/model/model.safetensors");
  ASSERT_EQ(a.size(), b.size());
  for (auto& [name, t] : a) EXPECT_TRUE(torch::equal(t, b.at(name))) << name;
  fs::remove_all(dir);
}

TEST(SftRun, ConfigErrorsAreOneLine) {
  EXPECT_THROW(train::resolve_sft_config({{"trainer", {{"lr", "high"}}}}, {}, "x.json"), Error);
  EXPECT_THROW(train::resolve_sft_config({{"datta", {}}}, {}, "x.json"), Error);
  try {
    train::resolve_sft_config(io::json::object(), {"trainer.max_step=3"}, "x.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("trainer.max_step"), std::string::npos) << e.what();
  }
}
