// vlsi's Qwen2-VL, Qwen2.5-VL and Qwen2 text-only against transformers 4.57 on
// the goldens in tests/goldens/{qwen2_vl,qwen2_5_vl,qwen2}
// (scripts/make_goldens_qwen2.py): for every golden model and case, the
// input_ids that the folder's chat template, tokenizer and processor give
// (exact), the pixel_values (<= 1e-5), image_grid_thw and M-RoPE position ids
// (exact), Qwen2.5-VL's window order and window boundaries (exact), every hidden state and the
// logits (<= 1e-4, float32), and 32 greedy tokens with and without the KV
// cache (identical). The folders load through the registry, as a user's would.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "goldens.h"
#include "vlsi/data/image.h"
#include "vlsi/data/template_chat.h"
#include "vlsi/infer/generate.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/model/model_bundle.h"
#include "vlsi/model/qwen2_5_vl/window_index.h"

namespace vlsi::model::qwen2_family_goldens {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_goldens::golden_model_folder;
using test_goldens::golden_model_names;
using test_goldens::kGoldens;
using test_goldens::to_vector;
using test_goldens::max_abs_diff;



// The case's messages in vlsi's form: content items joined with "\n", an image
// item written "<image>" (as vlsi forward reads a chat file), strings as they are.
std::vector<text::ChatMessage> chat_messages(const json& messages) {
  std::vector<text::ChatMessage> out;
  for (const auto& m : messages) {
    text::ChatMessage msg{m.at("role").get<std::string>(), ""};
    if (m.at("content").is_string()) {
      msg.content = m.at("content").get<std::string>();
    } else {
      for (const auto& item : m.at("content")) {
        if (!msg.content.empty()) msg.content += "\n";
        msg.content += item.at("type") == "image" ? "<image>" : item.at("text").get<std::string>();
      }
    }
    out.push_back(msg);
  }
  return out;
}

struct CaseResult {
  double pixels = 0, hidden = 0, logits = 0;
};

CaseResult check_case(ModelBundle& bundle, const std::string& case_dir, const std::string& name) {
  CaseResult r;
  const json meta = io::read_json_file(case_dir + "/" + name + ".json");
  auto golden = io::load_safetensors(case_dir + "/" + name + ".safetensors");
  std::vector<image::Image> images;
  for (const auto& f : meta.at("images")) images.push_back(data::load_image(kGoldens + "/images/" + f.get<std::string>()));
  const VisionInputs vis = bundle.processor->process(images);
  std::vector<std::array<int64_t, 2>> sizes;
  for (const auto& img : images) sizes.push_back({img.height, img.width});

  // input_ids: the chat rendered by the folder's template, tokenised, each image token expanded.
  data::SampleEncoder encoder(*bundle.tokenizer, data::chat_format_of(bundle));
  const auto messages = chat_messages(meta.at("messages"));
  const auto ids_vec = encoder.encode_chat(messages, true, bundle.processor->image_token_counts(sizes));
  const torch::Tensor ids = golden.at("input_ids");
  EXPECT_EQ(ids_vec, to_vector(ids)) << name << ": input_ids";

  if (!images.empty()) {
    r.pixels = max_abs_diff(vis.pixel_values, golden.at("pixel_values"));
    std::vector<int64_t> grids;
    for (const auto& g : vis.patch_grids) grids.insert(grids.end(), g.begin(), g.end());
    EXPECT_EQ(grids, to_vector(golden.at("image_grid_thw"))) << name;
  }
  if (golden.count("window_index")) {  // Qwen2.5-VL: the vision tower's windows, as get_window_index cuts them
    const Qwen25VisionConfig& v = bundle.model->config().qwen2_5_vision_config;
    const auto windows = qwen2_5_vl::window_partition(vis.patch_grids, v.merged_window(), v.spatial_merge_size);
    EXPECT_EQ(windows.merged_order, to_vector(golden.at("window_index"))) << name << ": window order";
    std::vector<int64_t> cu = {0};
    for (int64_t n : windows.window_patches) cu.push_back(cu.back() + n);
    EXPECT_EQ(cu, to_vector(golden.at("cu_window_seqlens"))) << name << ": window boundaries";
  }
  if (golden.count("position_ids")) {
    torch::Tensor pos = bundle.model->position_ids(ids, vis, golden.at("attention_mask"));
    // Undefined: positions that skip padding, equal in all three rows.
    if (!pos.defined()) pos = (torch::arange(ids.size(1)).view({1, 1, -1})).expand({3, 1, ids.size(1)});
    EXPECT_TRUE(torch::equal(pos, golden.at("position_ids"))) << name << ": position ids\n" << pos << "\n"
                                                              << golden.at("position_ids");
  }
  const test_goldens::ForwardDiffs diffs = test_goldens::compare_forward(bundle.model, ids, vis, golden);
  r.hidden = diffs.hidden;
  r.logits = diffs.logits;
  torch::NoGradGuard no_grad;

  const std::vector<int64_t> want = to_vector(golden.at("greedy_ids"));
  for (bool cache : {true, false}) {
    infer::GenerationOptions go;
    go.max_new_tokens = 32;
    go.use_cache = cache;
    auto gen = infer::generate(bundle.model, {to_vector(ids[0])}, vis, go).at(0).tokens;
    EXPECT_EQ(gen, want) << name << ": greedy tokens " << (cache ? "with" : "without") << " the KV cache (min margin "
                         << meta.value("min_greedy_margin", 0.0) << ")";
  }
  return r;
}

void check_family(const std::string& family, int expected_cases) {
  int checked = 0;
  for (const std::string& model_name : golden_model_names(family)) {
    ModelBundle bundle = load_bundle(golden_model_folder(model_name, family));
    bundle.model->eval();
    const std::string case_dir = kGoldens + "/" + family + "/" + model_name + "/cases";
    std::vector<std::string> cases;
    for (const auto& e : fs::directory_iterator(case_dir))
      if (e.path().extension() == ".json") cases.push_back(e.path().stem().string());
    std::sort(cases.begin(), cases.end());
    for (const std::string& c : cases) {
      CaseResult r = check_case(bundle, case_dir, c);
      std::cout << family << "/" << model_name << "/" << c << ": pixels " << r.pixels << ", hidden " << r.hidden
                << ", logits " << r.logits << "\n";
      EXPECT_LE(r.pixels, 1e-5) << model_name << "/" << c;
      EXPECT_LE(r.hidden, 1e-4) << model_name << "/" << c;
      EXPECT_LE(r.logits, 1e-4) << model_name << "/" << c;
      ++checked;
    }
  }
  EXPECT_EQ(checked, expected_cases);
}

TEST(Qwen2VlGoldens, MatchTransformers) { check_family("qwen2_vl", 10); }

TEST(Qwen25VlGoldens, MatchTransformers) { check_family("qwen2_5_vl", 10); }

TEST(Qwen2TextGoldens, MatchTransformers) { check_family("qwen2", 4); }

TEST(Qwen2TextGoldens, ImagesAreRefusedInOneLine) {
  ModelBundle bundle = load_bundle(golden_model_folder("gqa_tied", "qwen2"));
  try {
    bundle.processor->process({image::Image(4, 4)});
    FAIL() << "a text-only model processed an image";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("text-only model (model_type 'qwen2') takes no images"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace vlsi::model::qwen2_family_goldens
