// Qwen2-VL and Qwen2 text-only folders that vlsi writes, read back by the
// Python ecosystem (tests/cli/round_trip_reference.py), from a transformers-made
// golden folder (tests/goldens): an adapter with random lora_B on it,
// `vlsi lora merge`, then
//   - the merged folder loads with the family's from_pretrained with no
//     missing, unexpected or mis-shaped tensors and gives the logits that
//     `vlsi forward` wrote (an image prompt and a text prompt for Qwen2-VL);
//   - AutoProcessor on the merged folder (Qwen2-VL) turns the prompt and image
//     into the input_ids, pixel_values and image_grid_thw vlsi fed its model;
//   - the adapter loads with peft on the golden base with no missing or
//     unexpected adapter tensors and gives the merged folder's logits.
#include <gtest/gtest.h>

#include "../infer/goldens.h"
#include "cli_runner.h"
#include "round_trip_support.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/model/lora_model.h"
#include "vlsi/model/model_io.h"

namespace vlsi::test_round_trip {
namespace {

using test_support::run_cli;

struct FamilyRoundTrip {
  std::string dir, base, adapter, merged;
  std::vector<ForwardRun> runs;

  FamilyRoundTrip(const std::string& family, const std::string& model, bool images) {
    dir = std::string(VLSI_BINARY_DIR) + "/test-data/family-round-trip/" + family;
    io::remove_tree(dir);
    std::filesystem::create_directories(dir);
    base = test_goldens::golden_model_folder(model, family);
    adapter = dir + "/adapter";
    merged = dir + "/merged";
    {
      auto net = model::load_model(base);
      model::add_lora(net, model::LoraConfig{});
      torch::NoGradGuard g;
      torch::manual_seed(7);
      for (auto& [name, t] : model::named_lora_parameters(net))
        if (name.find("lora_B") != std::string::npos) t.normal_(0, 0.2);
      model::save_lora_adapter(net, adapter, base);
    }
    auto merge = run_cli("lora merge --model " + base + " --adapter " + adapter + " --out " + merged);
    EXPECT_EQ(merge.code, 0) << merge.output;
    runs.push_back({dir + "/text.safetensors", {}});
    if (images) runs.push_back({dir + "/image.safetensors", {test_goldens::kGoldens + "/images/wide_90x30.png"}});
    for (const auto& run : runs) {
      std::string cmd = "forward --model " + merged + " --prompt 'What shape is it?' --threads 1 --out " + run.file;
      for (const auto& img : run.images) cmd += " --image " + img;
      auto r = run_cli(cmd);
      EXPECT_EQ(r.code, 0) << r.output;
    }
  }
};

void check_round_trip(const std::string& family, const std::string& model, bool images) {
  FamilyRoundTrip f(family, model, images);
  auto merged = run_reference(f.dir, "merged", {{"model", f.merged}, {"forward", forward_specs(f.runs)},
                                                {"processor", images}});
  expect_clean_loading(merged);
  expect_logits_match(merged, family + " merged", f.runs.size());
  for (const auto& run : merged.value("forward", io::json::array())) {
    if (!run.contains("processor")) continue;
    const io::json& p = run.at("processor");
    ASSERT_FALSE(p.contains("error")) << p["error"].get<std::string>();
    EXPECT_TRUE(p.at("input_ids_equal").get<bool>()) << dump(p);
    if (p.contains("max_abs_pixel_diff")) {
      EXPECT_LE(p.at("max_abs_pixel_diff").get<double>(), 1e-5) << dump(p);
      EXPECT_TRUE(p.at("image_grid_thw_equal").get<bool>()) << dump(p);
    }
  }
  auto peft = run_reference(f.dir, "peft", {{"model", f.base}, {"adapter", f.adapter}, {"forward", forward_specs(f.runs)}});
  expect_clean_loading(peft);
  expect_logits_match(peft, family + " peft", f.runs.size());
}

TEST(FamilyRoundTrip, Qwen2VlMergedFolderAndAdapterLoadInTransformersAndPeft) {
  check_round_trip("qwen2_vl", "gqa_tied_p14", true);
}

TEST(FamilyRoundTrip, Qwen2TextMergedFolderAndAdapterLoadInTransformersAndPeft) {
  check_round_trip("qwen2", "mha_untied", false);
}

}  // namespace
}  // namespace vlsi::test_round_trip
