#pragma once
// Shared by the golden tests: where the transformers-made fixtures are
// (tests/goldens, made by scripts/make_goldens.py and make_goldens_qwen2.py) and their packed files
// unpacked once into the build folder (temporary name, then rename).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "vlsi/model/causal_vlm.h"

namespace vlsi::test_goldens {

namespace fs = std::filesystem;

inline const std::string kGoldens = std::string(VLSI_SOURCE_DIR) + "/tests/goldens";

// Largest |a - b| (a shape mismatch fails the test and counts as huge).
inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  if (a.sizes() != b.sizes()) return 1e9;
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

inline std::vector<int64_t> to_vector(const torch::Tensor& t) {
  auto c = t.to(torch::kLong).contiguous().view(-1);
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

struct ForwardDiffs {
  double hidden = 0, logits = 0;
};

// A model's forward pass on a golden case against what transformers recorded:
// hidden_states (the embeddings, each layer's output, the last one
// final-normed), the last position's logits and every position's top 16.
template <typename Golden>
ForwardDiffs compare_forward(model::CausalVlm& model, const torch::Tensor& ids, const model::VisionInputs& images,
                             const Golden& golden) {
  ForwardDiffs r;
  torch::NoGradGuard no_grad;
  model::ForwardOptions fo;
  fo.output_layer_hidden_states = true;
  auto out = model->forward(ids, images, golden.at("attention_mask"), fo);
  const int64_t L = model->num_layers();
  std::vector<torch::Tensor> ours = {model->input_embeddings(ids, images)};
  for (int64_t i = 0; i + 1 < L; ++i) ours.push_back(out.layer_hidden_states[size_t(i)]);
  ours.push_back(out.last_hidden_state);
  for (int64_t i = 0; i <= L; ++i)
    r.hidden = std::max(r.hidden, max_abs_diff(ours[size_t(i)], golden.at("hidden_states." + std::to_string(i))));
  r.logits = max_abs_diff(out.logits[0][-1], golden.at("logits_last"));
  const torch::Tensor top_ids = golden.at("logits_top16_ids");
  r.logits = std::max(r.logits, max_abs_diff(out.logits[0].gather(1, top_ids), golden.at("logits_top16_values")));
  return r;
}

inline void gunzip_to(const std::string& gz, const std::string& out) {
  if (fs::exists(out)) return;
  fs::create_directories(fs::path(out).parent_path());
  const std::string tmp = out + ".tmp" + std::to_string(::getpid());
  const std::string cmd = "gzip -dc '" + gz + "' > '" + tmp + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  fs::rename(tmp, out);
}

// Each family's goldens sit in kGoldens/FAMILY (llava_onevision by default).
inline std::string unpacked_tokenizer(const std::string& family = "llava_onevision") {
  const std::string out = std::string(VLSI_BINARY_DIR) + "/test-data/" + family + "_tokenizer.json";
  gunzip_to(kGoldens + "/" + family + "/tokenizer.json.gz", out);
  return out;
}

// A loadable model folder for golden model `name`: its files, model.safetensors
// unpacked and the shared tokenizer.json beside them.
inline std::string golden_model_folder(const std::string& name, const std::string& family = "llava_onevision") {
  const std::string src = kGoldens + "/" + family + "/" + name;
  const std::string dir = std::string(VLSI_BINARY_DIR) + "/test-data/goldens/" +
                          (family == "llava_onevision" ? name : family + "/" + name);
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(src))
    if (e.is_regular_file() && e.path().extension() != ".gz")
      fs::copy_file(e.path(), fs::path(dir) / e.path().filename(), fs::copy_options::overwrite_existing);
  gunzip_to(src + "/model.safetensors.gz", dir + "/model.safetensors");
  const std::string tok = dir + "/tokenizer.json";
  if (!fs::exists(tok)) fs::copy_file(unpacked_tokenizer(family), tok);
  return dir;
}

inline std::vector<std::string> golden_model_names(const std::string& family = "llava_onevision") {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kGoldens + "/" + family))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace vlsi::test_goldens
