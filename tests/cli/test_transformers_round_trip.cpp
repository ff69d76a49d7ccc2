// Folders that vlsi writes, read back by the Python ecosystem
// (tests/cli/round_trip_reference.py, run with the reference interpreter: a
// missing transformers or peft fails the test, it never skips):
//   - the model of `vlsi train sft` and the output of `vlsi lora merge` load with
//     LlavaOnevisionForConditionalGeneration.from_pretrained with no missing,
//     unexpected or mis-shaped tensors, and give the logits `vlsi forward` wrote
//     for one image alone (anyres tiles) and for two images (one tile each);
//   - AutoProcessor loads the SFT folder and turns the prompt and images into the
//     input_ids and pixel_values vlsi fed its model;
//   - the LoRA adapter folder loads with peft's PeftModel.from_pretrained on the
//     base model with no missing or unexpected adapter tensors and gives the
//     logits of `vlsi forward` on the merged folder.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "../support/python_reference.h"
#include "cli_runner.h"
#include "model_folder_fixture.h"
#include "round_trip_support.h"
#include "vlsi/data/image.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/read_file.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/model/lora_model.h"

using namespace vlsi;
using test_support::run_cli;
using namespace test_round_trip;

namespace {

// One SFT run on the SFT fixture (pinpoints widened so a wide image alone takes
// two grid tiles) and three images; on demand (ctest runs each test in its own
// process), `vlsi forward` on the SFT model, or an adapter on it with random
// lora_B, the `vlsi lora merge` folder and `vlsi forward` on that.
struct RoundTripFixture {
  std::string dir = test_support::fresh_dir("round_trip");
  std::string sft_model = dir + "/run/model", adapter = dir + "/adapter", merged = dir + "/merged";
  std::vector<ForwardRun> sft_runs, merged_runs;

  RoundTripFixture() {
    test_support::make_sft_fixture(dir, 8);
    auto model_json = io::read_json_file(dir + "/model.json");
    model_json["image_grid_pinpoints"] = {{32, 32}, {32, 64}, {64, 32}};
    io::write_json_file(dir + "/model.json", model_json);
    io::write_json_file(dir + "/sft.json", test_support::sft_config(dir, dir + "/run", 3));
    auto sft = run_cli("train sft --config " + dir + "/sft.json");
    EXPECT_EQ(sft.code, 0) << sft.output;

    write_image("wide.png", 64, 40, 1);
    write_image("a.png", 32, 32, 2);
    write_image("b.png", 24, 36, 3);
  }

  const std::vector<ForwardRun>& sft_forward() {
    if (sft_runs.empty()) sft_runs = forward_runs(sft_model, "sft");
    return sft_runs;
  }

  const std::vector<ForwardRun>& merged_forward() {
    if (!merged_runs.empty()) return merged_runs;
    {
      auto net = model::load_model(sft_model);
      model::add_lora(net, model::LoraConfig{});
      torch::NoGradGuard g;
      torch::manual_seed(5);
      for (auto& [name, t] : model::named_lora_parameters(net))
        if (name.find("lora_B") != std::string::npos) t.normal_(0, 0.2);
      model::save_lora_adapter(net, adapter, sft_model);
    }
    auto merge = run_cli("lora merge --model " + sft_model + " --adapter " + adapter + " --out " + merged);
    EXPECT_EQ(merge.code, 0) << merge.output;
    merged_runs = forward_runs(merged, "merged");
    return merged_runs;
  }

  ~RoundTripFixture() {
    if (!std::getenv("VLSI_KEEP_TEST_DIRS")) io::remove_tree(dir);
  }

  // Smooth gradients plus a little texture, so resizing and tiling show.
  void write_image(const std::string& name, int w, int h, int seed) {
    data::Image img(w, h, 0);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c)
          img.pixel(x, y)[c] = uint8_t((x * (5 + 2 * c) + y * (9 - 2 * c) + 37 * seed + ((x * 7 + y * 13 + c) % 11) * 3) % 256);
    data::write_png(dir + "/" + name, img);
  }

  // One image alone (the anyres path) and two images in one prompt (one tile each).
  std::vector<ForwardRun> forward_runs(const std::string& model_dir, const std::string& tag) {
    std::vector<ForwardRun> runs = {{dir + "/" + tag + "_one.safetensors", {dir + "/wide.png"}},
                                    {dir + "/" + tag + "_two.safetensors", {dir + "/a.png", dir + "/b.png"}}};
    const std::string prompts[] = {"'What shape is it?'", "'<image> and <image>: the same colour?'"};
    for (size_t k = 0; k < runs.size(); ++k) {
      std::string cmd = "forward --model " + model_dir + " --prompt " + prompts[k] + " --out " + runs[k].file + " --threads 1";
      for (const auto& img : runs[k].images) cmd += " --image " + img;
      auto r = run_cli(cmd);
      EXPECT_EQ(r.code, 0) << r.output;
    }
    return runs;
  }
};

RoundTripFixture& round_trip_fixture() {
  static RoundTripFixture f;
  return f;
}

}  // namespace

TEST(TransformersRoundTrip, SftModelLoadsWithFromPretrainedAndGivesVlsiLogitsAndInputs) {
  auto& f = round_trip_fixture();
  // The paths under test: the wide image alone in anyres tiles (base + 1x2 grid), two images one tile each.
  EXPECT_EQ(io::SafetensorsFile(f.sft_forward()[0].file).entry("pixel_values").shape,
            (std::vector<int64_t>{1, 3, 3, 32, 32}));
  EXPECT_EQ(io::SafetensorsFile(f.sft_forward()[1].file).entry("pixel_values").shape,
            (std::vector<int64_t>{2, 1, 3, 32, 32}));
  auto result = run_reference(round_trip_fixture().dir, "sft", {{"model", f.sft_model}, {"forward", forward_specs(f.sft_forward())}, {"processor", true}});
  expect_clean_loading(result);
  expect_logits_match(result, "sft", f.sft_forward().size());
  for (const auto& run : result.value("forward", io::json::array())) {
    const io::json& p = run.at("processor");
    ASSERT_FALSE(p.contains("error")) << p["error"].get<std::string>();
    EXPECT_TRUE(p.at("input_ids_equal").get<bool>()) << dump(p);
    EXPECT_TRUE(p.at("image_sizes_equal").get<bool>()) << dump(p);
    EXPECT_LE(p.at("max_abs_pixel_diff").get<double>(), 1e-5) << dump(p);
    std::cout << "[ round trip ] processor " << run["file"].get<std::string>() << ": max |pixel diff| "
              << p["max_abs_pixel_diff"].get<double>() << "\n";
  }
}

TEST(TransformersRoundTrip, MergedLoraFolderLoadsWithFromPretrainedAndGivesVlsiLogits) {
  auto& f = round_trip_fixture();
  auto result = run_reference(round_trip_fixture().dir, "merged", {{"model", f.merged}, {"forward", forward_specs(f.merged_forward())}});
  expect_clean_loading(result);
  expect_logits_match(result, "merged", f.merged_forward().size());
}

TEST(TransformersRoundTrip, AdapterLoadsWithPeftAndGivesTheMergedLogits) {
  auto& f = round_trip_fixture();
  auto result = run_reference(
      round_trip_fixture().dir, "peft", {{"model", f.sft_model}, {"adapter", f.adapter}, {"forward", forward_specs(f.merged_forward())}});
  expect_clean_loading(result);
  expect_logits_match(result, "peft", f.merged_forward().size());
}
