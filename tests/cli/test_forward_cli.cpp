// vlsi forward on a tiny random model folder: the file must hold what the
// library computes in-process for the same ids, under transformers' names.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "../train/sft_fixture.h"
#include "cli_runner.h"
#include "model_folder_fixture.h"
#include "vlsi/cli/chat_model.h"
#include "vlsi/data/image.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/model/model_io.h"

using namespace vlsi;
using test_support::run_cli;

namespace {

// DIR/m: a random 3-layer model with its tokenizer; DIR/a.png, DIR/b.png.
struct ForwardFixture {
  std::string dir = test_support::fresh_dir("cli_forward");
  ForwardFixture() {
    test_support::init_model_folder(dir, 3);
    for (int k = 0; k < 2; ++k) {
      data::Image img(32, 32, 0);
      for (int y = 8; y < 24; ++y)
        for (int x = 8; x < 24; ++x) img.pixel(x, y)[k] = 255;
      data::write_png(dir + (k == 0 ? "/a.png" : "/b.png"), img);
    }
  }
  ~ForwardFixture() {
    if (!std::getenv("VLSI_KEEP_TEST_DIRS")) io::remove_tree(dir);
  }
};

ForwardFixture& forward_fixture() {
  static ForwardFixture f;
  return f;
}

float forward_max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a.to(torch::kFloat32) - b.to(torch::kFloat32)).abs().max().item<float>();
}

std::vector<int64_t> forward_ids_of(const torch::Tensor& input_ids) {
  auto t = input_ids.reshape({-1}).contiguous();
  return {t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel()};
}

// The library's forward on the saved inputs: logits and every hidden state must match the file.
void expect_forward_matches_library(const std::string& model_dir, io::SafetensorsFile& f, bool hidden,
                                    const model::VisionInputs& pixels = {}) {
  auto net = model::load_model(model_dir);
  net->eval();
  torch::NoGradGuard g;
  torch::Tensor ids = f.load("input_ids");
  EXPECT_EQ(f.contains("pixel_values"), !pixels.empty());
  auto out = net->forward(ids, pixels, torch::Tensor(), {true, true});
  EXPECT_LE(forward_max_diff(f.load("logits"), out.logits), 1e-5);
  if (!hidden) return;
  const size_t L = out.layer_hidden_states.size();
  ASSERT_EQ(L, 3u);
  EXPECT_LE(forward_max_diff(f.load("hidden_states.0"), net->input_embeddings(ids, pixels)), 1e-5);
  for (size_t i = 1; i < L; ++i)
    EXPECT_LE(forward_max_diff(f.load("hidden_states." + std::to_string(i)), out.layer_hidden_states[i - 1]), 1e-5) << i;
  // The last one is after the final norm, exactly transformers' convention.
  torch::Tensor last = f.load("hidden_states." + std::to_string(L));
  EXPECT_LE(forward_max_diff(last, out.last_hidden_state), 1e-5);
  EXPECT_LE(forward_max_diff(last, net->final_norm(out.layer_hidden_states.back())), 1e-5);
  EXPECT_FALSE(f.contains("hidden_states." + std::to_string(L + 1)));
}

void expect_forward_one_line_error(const test_support::CliResult& r, const std::string& part) {
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find(part), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << "expected one line: " << r.output;
}

}  // namespace

TEST(CliForward, PromptWithImageWritesTheLibrarysOutputs) {
  auto& f = forward_fixture();
  const std::string out = f.dir + "/one.safetensors";
  auto r = run_cli("forward --model " + f.dir + "/m --image " + f.dir + "/a.png --prompt 'What colour?' --out " + out +
                   " --hidden-states --threads 1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("3 layers"), std::string::npos) << r.output;
  io::SafetensorsFile file(out);
  std::vector<std::string> names = file.names();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"attention_mask", "batch_num_images", "hidden_states.0", "hidden_states.1", "hidden_states.2",
                                             "hidden_states.3", "image_sizes", "input_ids", "logits",
                                             "pixel_values"}));
  // Same ids as vlsi generate feeds the model.
  cli::ChatModel m(f.dir + "/m", "cpu");
  auto p = m.encode({cli::user_turn("What colour?", true)}, {f.dir + "/a.png"});
  const int64_t T = int64_t(p.ids.size());
  EXPECT_EQ(file.entry("input_ids").scalar_type, torch::kInt64);
  EXPECT_EQ(file.entry("input_ids").shape, (std::vector<int64_t>{1, T}));
  EXPECT_EQ(forward_ids_of(file.load("input_ids")), p.ids);
  EXPECT_EQ(file.entry("attention_mask").shape, (std::vector<int64_t>{1, T}));
  EXPECT_EQ(file.load("attention_mask").sum().item<int64_t>(), T);
  const int64_t V = m.model()->config().text_config.vocab_size;
  EXPECT_EQ(file.entry("logits").scalar_type, torch::kFloat32);
  EXPECT_EQ(file.entry("logits").shape, (std::vector<int64_t>{1, T, V}));
  EXPECT_EQ(file.entry("hidden_states.0").shape, (std::vector<int64_t>{1, T, 48}));
  EXPECT_EQ(forward_max_diff(file.load("pixel_values"), p.images.padded_pixel_values()), 0.0f);
  EXPECT_EQ(file.metadata().at("prompt"), "<|im_start|>user\n<image>\nWhat colour?<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(file.metadata().at("model"), f.dir + "/m");
  expect_forward_matches_library(f.dir + "/m", file, true, p.images);

  // No image, no hidden states, no generation prompt.
  const std::string plain = f.dir + "/plain.safetensors";
  auto r2 = run_cli("forward --model " + f.dir + "/m --prompt hi --no-generation-prompt --out " + plain);
  ASSERT_EQ(r2.code, 0) << r2.output;
  io::SafetensorsFile file2(plain);
  EXPECT_EQ(file2.names().size(), 3u);
  EXPECT_FALSE(file2.contains("pixel_values"));
  EXPECT_EQ(file2.metadata().at("prompt"), "<|im_start|>user\nhi<|im_end|>\n");
  expect_forward_matches_library(f.dir + "/m", file2, false);
}

TEST(CliForward, ChatWithTwoImagesAndTwoTurns) {
  auto& f = forward_fixture();
  // Both content forms in one file: a LLaVA-style string and an OpenAI-style list.
  io::write_file_atomic(f.dir + "/chat.json", R"([
    {"role": "user", "content": "<image>\nWhat shape?"},
    {"role": "assistant", "content": "A square."},
    {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "And this one?"}]}
  ])");
  const std::string out = f.dir + "/chat.safetensors";
  auto r = run_cli("forward --model " + f.dir + "/m --chat " + f.dir + "/chat.json --image " + f.dir + "/a.png --image " +
                   f.dir + "/b.png --out " + out + " --hidden-states --threads 1");
  ASSERT_EQ(r.code, 0) << r.output;
  io::SafetensorsFile file(out);
  cli::ChatModel m(f.dir + "/m", "cpu");
  auto p = m.encode({{data::Role::human, "<image>\nWhat shape?"},
                     {data::Role::gpt, "A square."},
                     {data::Role::human, "<image>\nAnd this one?"}},
                    {f.dir + "/a.png", f.dir + "/b.png"});
  EXPECT_EQ(forward_ids_of(file.load("input_ids")), p.ids);
  // Two images share the sample: one tile each, in transformers' [images, tiles, C, H, W].
  EXPECT_EQ(file.entry("pixel_values").shape, (std::vector<int64_t>{2, 1, 3, 32, 32}));
  EXPECT_EQ(forward_max_diff(file.load("pixel_values"), p.images.padded_pixel_values()), 0.0f);
  EXPECT_EQ(file.metadata().at("prompt"),
            "<|im_start|>user\n<image>\nWhat shape?<|im_end|>\n<|im_start|>assistant\nA square.<|im_end|>\n"
            "<|im_start|>user\n<image>\nAnd this one?<|im_end|>\n<|im_start|>assistant\n");
  expect_forward_matches_library(f.dir + "/m", file, true, p.images);
}

TEST(CliForward, ErrorsAreOneLine) {
  auto& f = forward_fixture();
  const std::string model = "forward --model " + f.dir + "/m ";
  const std::string out = " --out " + f.dir + "/err.safetensors";
  const std::string two = " --image " + f.dir + "/a.png --image " + f.dir + "/b.png";
  expect_forward_one_line_error(run_cli(model + "--prompt '<image> what?'" + two + out), "2 image(s) given");
  io::write_file_atomic(f.dir + "/one.json", R"([{"role": "user", "content": "<image> what?"}])");
  expect_forward_one_line_error(run_cli(model + "--chat " + f.dir + "/one.json" + out), "0 image(s) given");
  expect_forward_one_line_error(run_cli(model + "--prompt hi --chat " + f.dir + "/one.json --image " + f.dir + "/a.png" + out),
                        "not both");
  expect_forward_one_line_error(run_cli(model + out), "--prompt");
  expect_forward_one_line_error(run_cli("forward --model " + f.dir + "/nope --prompt hi" + out), "nope");
  io::write_file_atomic(f.dir + "/bad.json", R"([{"role": "user", "content": )");
  expect_forward_one_line_error(run_cli(model + "--chat " + f.dir + "/bad.json" + out), "bad.json");
  io::write_file_atomic(f.dir + "/bad2.json", R"([{"role": "user", "content": 3}])");
  expect_forward_one_line_error(run_cli(model + "--chat " + f.dir + "/bad2.json" + out), "bad2.json: message 0");
  io::write_file_atomic(f.dir + "/bad3.json", R"([{"role": "user", "content": [{"type": "video"}]}])");
  expect_forward_one_line_error(run_cli(model + "--chat " + f.dir + "/bad3.json" + out), "bad3.json: message 0: content item 0");
  EXPECT_FALSE(io::file_exists(f.dir + "/err.safetensors"));
}
