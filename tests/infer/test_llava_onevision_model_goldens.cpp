// vlsi's LLaVA-OneVision against transformers 4.57 on the goldens in
// tests/goldens (scripts/make_goldens.py): for every golden model and case,
// the processor's pixels and image sizes (<= 1e-5), the embeddings, every
// layer's hidden state and the logits (<= 1e-4, float32), and 32 greedy
// tokens (identical). The folders load through the model registry, as a
// user's checkpoint would.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "goldens.h"
#include "vlsi/data/image.h"
#include "vlsi/infer/generate.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/model/model_bundle.h"

namespace vlsi::model {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_goldens::golden_model_folder;
using test_goldens::golden_model_names;
using test_goldens::kGoldens;
using test_goldens::max_abs_diff;


// The case's images as transformers' processor got them: images=[[...]] is one
// sample (one tile each), a flat list makes each image its own sample (anyres).
VisionInputs process_case(const VisionProcessor& processor, const json& meta) {
  std::vector<data::Image> images;
  for (const auto& f : meta.at("images")) images.push_back(data::load_image(kGoldens + "/images/" + f.get<std::string>()));
  if (meta.at("one_sample").get<bool>()) return processor.process(images);
  std::vector<VisionInputs> parts;
  for (const auto& img : images) parts.push_back(processor.process({img}));
  return VisionInputs::concat(parts);
}

struct CaseResult {
  double pixels = 0, hidden = 0, logits = 0;
  bool greedy_same = true;
};

CaseResult check_case(ModelBundle& bundle, const std::string& case_dir, const std::string& name) {
  CaseResult r;
  const json meta = io::read_json_file(case_dir + "/" + name + ".json");
  auto golden = io::load_safetensors(case_dir + "/" + name + ".safetensors");
  const VisionInputs images = process_case(*bundle.processor, meta);
  if (!images.empty()) {
    // transformers pads every image to the batch's most tiles; compare the real ones.
    const torch::Tensor want_pixels = golden.at("pixel_values");
    int64_t row = 0;
    for (int64_t i = 0; i < images.num_images(); ++i) {
      const int64_t n = images.tiles_per_image[size_t(i)];
      EXPECT_EQ(images.image_sizes[size_t(i)][0], golden.at("image_sizes")[i][0].item<int64_t>()) << name;
      EXPECT_EQ(images.image_sizes[size_t(i)][1], golden.at("image_sizes")[i][1].item<int64_t>()) << name;
      EXPECT_TRUE(torch::all(want_pixels[i].narrow(0, n, want_pixels.size(1) - n) == 0).item<bool>())
          << name << ": image " << i << " has " << n << " tiles but transformers filled more";
      r.pixels = std::max(r.pixels, max_abs_diff(images.pixel_values.narrow(0, row, n), want_pixels[i].narrow(0, 0, n)));
      row += n;
    }
  } else {
    EXPECT_EQ(golden.count("pixel_values"), 0u) << name;
  }
  const torch::Tensor ids = golden.at("input_ids");
  const test_goldens::ForwardDiffs diffs = test_goldens::compare_forward(bundle.model, ids, images, golden);
  r.hidden = diffs.hidden;
  r.logits = diffs.logits;
  torch::NoGradGuard no_grad;

  infer::GenerationOptions go;
  go.max_new_tokens = 32;
  const auto prompt = ids[0];
  std::vector<int64_t> prompt_ids(prompt.data_ptr<int64_t>(), prompt.data_ptr<int64_t>() + prompt.numel());
  auto gen = infer::generate(bundle.model, {prompt_ids}, images, go).at(0).tokens;
  const torch::Tensor want = golden.at("greedy_ids");
  std::vector<int64_t> want_ids(want.data_ptr<int64_t>(), want.data_ptr<int64_t>() + want.numel());
  r.greedy_same = gen == want_ids;
  EXPECT_EQ(gen, want_ids) << name << ": greedy tokens (min margin " << meta.value("min_greedy_margin", 0.0) << ")";
  return r;
}

TEST(LlavaOnevisionModelGoldens, MatchTransformers) {
  int checked = 0;
  for (const std::string& model_name : golden_model_names()) {
    ModelBundle bundle = load_bundle(golden_model_folder(model_name));
    bundle.model->eval();
    const std::string case_dir = kGoldens + "/llava_onevision/" + model_name + "/cases";
    std::vector<std::string> cases;
    for (const auto& e : fs::directory_iterator(case_dir))
      if (e.path().extension() == ".json") cases.push_back(e.path().stem().string());
    std::sort(cases.begin(), cases.end());
    for (const std::string& c : cases) {
      CaseResult r = check_case(bundle, case_dir, c);
      std::cout << model_name << "/" << c << ": pixels " << r.pixels << ", hidden " << r.hidden << ", logits "
                << r.logits << ", greedy " << (r.greedy_same ? "same" : "DIFFERENT") << "\n";
      EXPECT_LE(r.pixels, 1e-5) << model_name << "/" << c;
      EXPECT_LE(r.hidden, 1e-4) << model_name << "/" << c;
      EXPECT_LE(r.logits, 1e-4) << model_name << "/" << c;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 12) << "expected 2 models x 6 cases";
}

TEST(LlavaOnevisionModelGoldens, UnknownModelTypeIsRefusedByName) {
  const std::string dir = std::string(VLSI_BINARY_DIR) + "/test-data/unknown_model_type";
  fs::create_directories(dir);
  io::write_json_file(dir + "/config.json", json{{"model_type", "qwen9_vl"}});
  try {
    load_model(dir);
    FAIL() << "loaded a model of an unknown model_type";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("unknown model_type 'qwen9_vl'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("llava_onevision"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace vlsi::model
