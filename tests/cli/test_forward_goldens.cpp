// `vlsi forward` on the transformers-made golden folders (tests/goldens), end
// to end as a user would run it: the folder's own chat template renders the
// case's chat, images go through the folder's processor, and the written
// input_ids, pixel_values, every hidden state and the last logits must be
// what transformers recorded (ids exact, floats within 1e-4).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../infer/goldens.h"
#include "cli_runner.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors.h"

namespace vlsi::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_goldens::golden_model_folder;
using test_goldens::golden_model_names;
using test_goldens::kGoldens;
using test_goldens::max_abs_diff;
using test_support::run_cli;


// Every golden case of `family` through `vlsi forward`; returns how many ran.
int check_family(const std::string& family) {
  int checked = 0;
  const std::string scratch = std::string(VLSI_BINARY_DIR) + "/test-data/forward-goldens/" + family;
  fs::create_directories(scratch);
  for (const std::string& model_name : golden_model_names(family)) {
    const std::string dir = golden_model_folder(model_name, family);
    const std::string case_dir = kGoldens + "/" + family + "/" + model_name + "/cases";
    for (const auto& e : fs::directory_iterator(case_dir)) {
      if (e.path().extension() != ".json") continue;
      const std::string name = e.path().stem().string();
      const json meta = io::read_json_file(e.path().string());
      // A flat image list with several images gives each its own sample in
      // transformers (a quirk of its batching); vlsi forward's images form one sample.
      if (!meta.at("one_sample").get<bool>() && meta.at("images").size() > 1) continue;
      const std::string chat = scratch + "/" + model_name + "_" + name + ".json";
      io::write_json_file(chat, meta.at("messages"));
      std::string args = "forward --model " + dir + " --chat " + chat + " --hidden-states --threads 1 --out " + scratch +
                         "/" + model_name + "_" + name + ".safetensors";
      for (const auto& img : meta.at("images")) args += " --image " + kGoldens + "/images/" + img.get<std::string>();
      auto r = run_cli(args);
      EXPECT_EQ(r.code, 0) << r.output;
      if (r.code != 0) continue;
      auto got = io::load_safetensors(scratch + "/" + model_name + "_" + name + ".safetensors");
      auto want = io::load_safetensors(case_dir + "/" + name + ".safetensors");
      const std::string tag = model_name + "/" + name;
      EXPECT_TRUE(torch::equal(got.at("input_ids"), want.at("input_ids"))) << tag;
      if (!torch::equal(got.at("input_ids"), want.at("input_ids"))) continue;
      if (want.count("pixel_values")) EXPECT_LE(max_abs_diff(got.at("pixel_values"), want.at("pixel_values")), 1e-5) << tag;
      for (const char* key : {"image_sizes", "image_grid_thw"})
        if (want.count(key)) EXPECT_TRUE(torch::equal(got.at(key), want.at(key))) << tag << " " << key;
      for (int i = 0;; ++i) {
        const std::string key = "hidden_states." + std::to_string(i);
        if (!want.count(key)) break;
        EXPECT_LE(max_abs_diff(got.at(key), want.at(key)), 1e-4) << tag << " " << key;
      }
      EXPECT_LE(max_abs_diff(got.at("logits")[0][-1], want.at("logits_last")), 1e-4) << tag;
      ++checked;
    }
  }
  return checked;
}

TEST(ForwardGoldens, FolderTemplateProcessorAndModelMatchTransformers) {
  EXPECT_EQ(check_family("llava_onevision"), 10) << "2 models x 5 cases (the flat three-image case is left out)";
}

TEST(ForwardGoldens, EveryFamilyRunsAsTransformers) {
  EXPECT_EQ(check_family("qwen2_vl"), 10) << "2 models x 5 cases";
  EXPECT_EQ(check_family("qwen2"), 4) << "2 models x 2 cases";
}

}  // namespace
}  // namespace vlsi::cli
