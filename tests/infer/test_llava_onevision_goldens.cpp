// The transformers-made LLaVA-OneVision goldens (tests/goldens, made by
// scripts/make_goldens.py) against what vlsi computes today: the folders'
// tokenizer and processor configs load, and input_ids come out id for id as
// LlavaOnevisionProcessor makes them (the chat-rendered prompt tokenised by
// our tokenizer, each <image> expanded by our anyres token arithmetic).
// The model side (pixels, hidden states, logits, greedy tokens) is
// test_llava_onevision_model_goldens.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "goldens.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/model/llava_onevision/anyres.h"
#include "vlsi/model/llava_onevision/image_processor_config.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::model::llava_onevision {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using test_goldens::kGoldens;
using test_goldens::to_vector;
using test_goldens::unpacked_tokenizer;


TEST(LlavaOnevisionGoldens, VersionsAreRecorded) {
  json v = io::read_json_file(kGoldens + "/VERSIONS.json");
  EXPECT_FALSE(v.value("transformers", "").empty());
  std::cout << "goldens made by transformers " << v["transformers"] << ", torch " << v["torch"] << ", tokenizers "
            << v["tokenizers"] << "\n";
}

TEST(LlavaOnevisionGoldens, InputIdsMatchTheProcessor) {
  const text::Tokenizer tok = text::Tokenizer::from_file(unpacked_tokenizer());
  int checked = 0;
  for (const auto& model_dir : fs::directory_iterator(kGoldens + "/llava_onevision")) {
    if (!model_dir.is_directory()) continue;
    const std::string dir = model_dir.path().string();
    const json config = io::read_json_file(dir + "/config.json");
    const json processor = io::read_json_file(dir + "/processor_config.json");
    const ImageProcessorConfig image_config = ImageProcessorConfig::load(dir);
    std::vector<Resolution> pinpoints;
    for (const auto& p : config.at("image_grid_pinpoints")) pinpoints.push_back({p[0].get<int64_t>(), p[1].get<int64_t>()});
    const json& vision = config.at("vision_config");
    const AnyresParams params = AnyresParams::for_vision(
        pinpoints, vision.at("image_size").get<int64_t>(), vision.at("patch_size").get<int64_t>(),
        config.at("vision_aspect_ratio").get<std::string>(), config.at("vision_feature_select_strategy").get<std::string>());
    EXPECT_EQ(params.num_image_tokens, processor.at("num_image_tokens").get<int64_t>()) << dir;
    EXPECT_EQ(image_config.to_json().at("image_grid_pinpoints"), config.at("image_grid_pinpoints")) << dir;
    const int64_t image_token = config.at("image_token_index").get<int64_t>();
    ASSERT_EQ(tok.encode("<image>"), std::vector<int64_t>{image_token}) << dir;

    for (const auto& entry : fs::directory_iterator(dir + "/cases")) {
      if (entry.path().extension() != ".json") continue;
      const std::string case_name = entry.path().stem().string();
      const json meta = io::read_json_file(entry.path().string());
      auto golden = io::load_safetensors(dir + "/cases/" + case_name + ".safetensors");
      const std::vector<int64_t> want = to_vector(golden.at("input_ids"));
      std::vector<Resolution> sizes;
      if (golden.count("image_sizes")) {
        auto s = golden.at("image_sizes").to(torch::kLong);
        for (int64_t i = 0; i < s.size(0); ++i) sizes.push_back({s[i][0].item<int64_t>(), s[i][1].item<int64_t>()});
      }
      ASSERT_EQ(sizes.size(), meta.at("images").size()) << case_name;
      // images=[[a, b, c]] puts them in one sample (one tile each); a flat list makes each its own.
      const bool multi_image = meta.at("one_sample").get<bool>() && sizes.size() > 1;
      std::vector<int64_t> got;
      size_t next_image = 0;
      for (int64_t id : tok.encode(meta.at("prompt").get<std::string>())) {
        if (id != image_token) {
          got.push_back(id);
          continue;
        }
        ASSERT_LT(next_image, sizes.size()) << case_name << ": more <image> tokens than images";
        const int64_t n = num_image_tokens(sizes[next_image++], params, multi_image);
        got.insert(got.end(), size_t(n), image_token);
      }
      EXPECT_EQ(next_image, sizes.size()) << case_name;
      EXPECT_EQ(got, want) << fs::path(dir).filename().string() << "/" << case_name;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 12) << "expected 2 models x 6 cases";
}

}  // namespace
}  // namespace vlsi::model::llava_onevision
