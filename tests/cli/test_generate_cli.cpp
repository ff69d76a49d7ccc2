// generate, chat and verbalize on a tiny random model folder: the binary's
// output must be what the library computes in-process for the same prompt.
#include <gtest/gtest.h>

#include <cstdlib>

#include "../train/sft_fixture.h"
#include "cli_runner.h"
#include "model_folder_fixture.h"
#include "vlsi/cli/chat_model.h"
#include "vlsi/data/image.h"
#include "vlsi/distill/verbalizer_set.h"
#include "vlsi/infer/early_exit.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/model/model_io.h"

using namespace vlsi;
using test_support::run_cli;

namespace {

// DIR/m: a random 3-layer model with tokenizer and residual verbalizers at
// layers 0 and 1 (down_proj drawn, not zero, so they differ from the logit
// lens); DIR/plain: the same model without verbalizers; DIR/img.png.
struct GenerateFixture {
  std::string dir = test_support::fresh_dir("cli_generate");
  GenerateFixture() {
    test_support::init_model_folder(dir, 3);
    io::make_dirs(dir + "/plain");
    for (const char* f : {"/config.json", "/model.safetensors", "/tokenizer.json", "/preprocessor_config.json"})
      io::write_file_atomic(dir + "/plain" + f, io::read_file(dir + "/m" + f));
    test_support::push_weights(dir + "/m", dir + "/tokenizer.json");
    cli::ChatModel m(dir + "/m", "cpu");
    distill::VerbalizerOptions vo;
    vo.zero_init_down = false;
    distill::VerbalizerSet set(std::vector<int64_t>{0, 1}, int64_t(48), distill::output_head_of(m.model()), vo, uint64_t(5));
    distill::save_verbalizer_set(set, dir + "/m");
    data::Image img(32, 32, 0);
    for (int y = 8; y < 24; ++y)
      for (int x = 8; x < 24; ++x) img.pixel(x, y)[0] = 255;
    data::write_png(dir + "/img.png", img);
  }
  ~GenerateFixture() {
    if (!std::getenv("VLSI_KEEP_TEST_DIRS")) io::remove_tree(dir);
  }
};

GenerateFixture& fixture() {
  static GenerateFixture f;
  return f;
}

std::string in_process_answer(const std::string& model_dir, const std::string& prompt, const std::string& image,
                              int64_t max_new) {
  cli::ChatModel m(model_dir, "cpu");
  auto p = m.encode({cli::user_turn(prompt, !image.empty())}, image.empty() ? std::vector<std::string>{}
                                                                              : std::vector<std::string>{image});
  auto o = m.generation_options();
  o.max_new_tokens = max_new;
  return infer::generate(m.model(), {p.ids}, p.images, o).at(0).text;
}

}  // namespace

TEST(CliGenerate, StreamsTheLibrarysAnswer) {
  auto& f = fixture();
  const std::string args = "generate --model " + f.dir + "/m --image " + f.dir + "/img.png --prompt 'What colour?' ";
  auto r = run_cli(args + "--max-new-tokens 12 --threads 1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output, in_process_answer(f.dir + "/m", "What colour?", f.dir + "/img.png", 12) + "\n");
  auto s1 = run_cli(args + "--max-new-tokens 12 --temperature 1.5 --seed 9 --threads 1");
  auto s2 = run_cli(args + "--max-new-tokens 12 --temperature 1.5 --seed 9 --threads 1");
  ASSERT_EQ(s1.code, 0) << s1.output;
  EXPECT_EQ(s1.output, s2.output);
  auto beams = run_cli(args + "--max-new-tokens 6 --beams 3");
  EXPECT_EQ(beams.code, 0) << beams.output;
  auto bad = run_cli(args + "--beams 2 --temperature 1");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.output.find("--beams"), std::string::npos) << bad.output;
  auto missing = run_cli("generate --model " + f.dir + "/m --image " + f.dir + "/nope.png --prompt hi");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.output.find("nope.png"), std::string::npos) << missing.output;
}

TEST(CliGenerate, ChatKeepsHistoryAndResets) {
  auto& f = fixture();
  io::write_file_atomic(f.dir + "/chat.txt", "Hello\n/reset\n/image " + f.dir + "/img.png\nWhat colour?\n/quit\nignored\n");
  auto r = run_cli("chat --model " + f.dir + "/m --max-new-tokens 10 --threads 1 < " + f.dir + "/chat.txt");
  ASSERT_EQ(r.code, 0) << r.output;
  std::string expected = "[conversation reset]\n[image " + f.dir + "/img.png attached to the next message]\n";
  // stdout and stderr interleave in order: answers are flushed as they come.
  std::string hello = in_process_answer(f.dir + "/m", "Hello", "", 10);
  std::string colour = in_process_answer(f.dir + "/m", "What colour?", f.dir + "/img.png", 10);
  EXPECT_EQ(r.output, hello + "\n" + expected + colour + "\n");
}

TEST(CliVerbalize, EachLayerThroughItsVerbalizerThenTheFinalLayer) {
  auto& f = fixture();
  const std::string args = "verbalize --model " + f.dir + "/m --image " + f.dir + "/img.png --prompt 'What colour?' "
                           "--max-new-tokens 8 --threads 1";
  auto r = run_cli(args + " --json");
  ASSERT_EQ(r.code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  const auto& layers = j["student"]["layers"];
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_EQ(layers[0]["layer"], 0);
  EXPECT_EQ(layers[1]["layer"], 1);
  EXPECT_EQ(layers[2]["head"], "final");
  EXPECT_EQ(layers[2]["text"], in_process_answer(f.dir + "/m", "What colour?", f.dir + "/img.png", 8));
  // Layer 1's answer is greedy decoding through 2 layers and its verbalizer.
  cli::ChatModel m(f.dir + "/m", "cpu");
  auto set = distill::load_verbalizer_set(f.dir + "/m", distill::output_head_of(m.model()), {48, 3, {}});
  auto p = m.encode({cli::user_turn("What colour?", true)}, {f.dir + "/img.png"});
  auto o = m.generation_options();
  o.max_new_tokens = 8;
  o.exit = {2, [&](const torch::Tensor& h) { return set->at_layer(1)->forward(h); }};
  EXPECT_EQ(layers[1]["tokens"].get<std::vector<int64_t>>(), infer::generate(m.model(), {p.ids}, p.images, o)[0].tokens);

  auto side = run_cli(args + " --teacher " + f.dir + "/m");
  ASSERT_EQ(side.code, 0) << side.output;
  EXPECT_NE(side.output.find("| teacher"), std::string::npos) << side.output;
  EXPECT_NE(side.output.find("final  2"), std::string::npos) << side.output;

  auto none = run_cli("verbalize --model " + f.dir + "/plain --prompt hi");
  EXPECT_EQ(none.code, 1);
  EXPECT_NE(none.output.find("has no verbalizers"), std::string::npos) << none.output;
  EXPECT_EQ(none.output.find('\n'), none.output.size() - 1) << "expected one line: " << none.output;

  // Decoder-layer verbalizers attend over the sequence: no early-exit decoding, one line saying so.
  const std::string layered = f.dir + "/layered";
  io::make_dirs(layered);
  for (const char* file : {"/config.json", "/model.safetensors", "/tokenizer.json", "/preprocessor_config.json"})
    io::write_file_atomic(layered + file, io::read_file(f.dir + "/m" + file));
  distill::VerbalizerOptions decoder_layer;
  decoder_layer.architecture = distill::VerbalizerArchitecture::DecoderLayer;
  distill::save_verbalizer_set(
      distill::VerbalizerSet(std::vector<int64_t>{1}, int64_t(48), distill::output_head_of(m.model()), decoder_layer),
      layered);
  auto refused = run_cli("verbalize --model " + layered + " --prompt hi");
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.output.find("decoder_layer verbalizers attend over the sequence"), std::string::npos)
      << refused.output;
  EXPECT_EQ(refused.output.find('\n'), refused.output.size() - 1) << "expected one line: " << refused.output;
}

TEST(EarlyExitVerbalizer, IdentityVerbalizerAtTheLastLayerIsOrdinaryDecoding) {
  auto& f = fixture();
  cli::ChatModel m(f.dir + "/m", "cpu");
  // Residual form with down_proj zero: h + 0, i.e. the logit lens.
  auto identity = distill::create_verbalizer(48, distill::output_head_of(m.model()), {}, 1);
  auto p = m.encode({cli::user_turn("What colour?", true)}, {f.dir + "/img.png"});
  auto o = m.generation_options();
  o.max_new_tokens = 10;
  auto normal = infer::generate(m.model(), {p.ids}, p.images, o)[0].tokens;
  auto answers = infer::decode_at_layers(m.model(), p.ids, p.images,
                                         {{2, [&](const torch::Tensor& h) { return identity->forward(h); }}}, o);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].generation.tokens, normal);
  EXPECT_EQ(answers[1].generation.tokens, normal);
  EXPECT_TRUE(answers[1].final);
}
