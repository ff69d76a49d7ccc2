// --dtype of generate, chat and eval on a tiny model folder: bfloat16 (and
// float16, which libtorch runs on the CPU) answers as the library does in that
// dtype, a bfloat16 folder runs in bfloat16 by default, and a bad value is a
// one-line error naming the option.
#include <gtest/gtest.h>

#include <cstdlib>

#include "../train/sft_fixture.h"
#include "cli_runner.h"
#include "model_folder_fixture.h"
#include "vlsi/cli/chat_model.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/model/model_io.h"

using namespace vlsi;
using test_support::run_cli;

namespace {

// DIR/m: a random model (weights pushed away from the tiny init so answers vary);
// DIR/m16: the same model stored in bfloat16.
struct DtypeFixture {
  std::string dir = test_support::fresh_dir("cli_dtype");
  DtypeFixture() {
    test_support::init_model_folder(dir);
    auto net = test_support::push_weights(dir + "/m", dir + "/tokenizer.json");
    model::SaveOptions so;
    so.tokenizer_json = dir + "/tokenizer.json";
    so.dtype = torch::kBFloat16;
    model::save_model(net, dir + "/m16", so);
  }
  ~DtypeFixture() {
    if (!std::getenv("VLSI_KEEP_TEST_DIRS")) io::remove_tree(dir);
  }
};

DtypeFixture& dtype_fixture() {
  static DtypeFixture f;
  return f;
}

std::string answer_in_dtype(const std::string& model_dir, const std::string& dtype, const std::string& prompt,
                            int64_t max_new, torch::ScalarType expected) {
  cli::ChatModel m(model_dir, "cpu", dtype);
  EXPECT_EQ(m.model()->lm_head_weight().scalar_type(), expected);
  auto p = m.encode({cli::user_turn(prompt, false)}, {});
  auto o = m.generation_options();
  o.max_new_tokens = max_new;
  return infer::generate(m.model(), {p.ids}, p.images, o).at(0).text;
}

}  // namespace

TEST(CliDtype, GenerateAndChatInBfloat16AndFloat16) {
  auto& f = dtype_fixture();
  const std::string args = "generate --model " + f.dir + "/m --prompt 'What colour?' --max-new-tokens 8 --threads 1 ";
  auto bf16 = run_cli(args + "--dtype bfloat16");
  ASSERT_EQ(bf16.code, 0) << bf16.output;
  EXPECT_EQ(bf16.output, answer_in_dtype(f.dir + "/m", "bfloat16", "What colour?", 8, torch::kBFloat16) + "\n");
  auto f16 = run_cli(args + "--dtype float16");
  ASSERT_EQ(f16.code, 0) << f16.output;
  EXPECT_EQ(f16.output, answer_in_dtype(f.dir + "/m", "float16", "What colour?", 8, torch::kHalf) + "\n");

  // A bfloat16 folder runs in bfloat16 unless asked otherwise.
  auto own = run_cli("generate --model " + f.dir + "/m16 --prompt 'What colour?' --max-new-tokens 8 --threads 1");
  ASSERT_EQ(own.code, 0) << own.output;
  EXPECT_EQ(own.output, answer_in_dtype(f.dir + "/m16", "", "What colour?", 8, torch::kBFloat16) + "\n");
  auto up = run_cli("generate --model " + f.dir + "/m16 --prompt 'What colour?' --max-new-tokens 8 --dtype float32");
  ASSERT_EQ(up.code, 0) << up.output;
  EXPECT_EQ(up.output, answer_in_dtype(f.dir + "/m16", "float32", "What colour?", 8, torch::kFloat) + "\n");

  io::write_file_atomic(f.dir + "/chat.txt", "Hello\n/quit\n");
  auto chat =
      run_cli("chat --model " + f.dir + "/m --max-new-tokens 6 --threads 1 --dtype bfloat16 < " + f.dir + "/chat.txt");
  ASSERT_EQ(chat.code, 0) << chat.output;
  EXPECT_EQ(chat.output, answer_in_dtype(f.dir + "/m", "bfloat16", "Hello", 6, torch::kBFloat16) + "\n");
}

TEST(CliDtype, EvalInBfloat16) {
  auto& f = dtype_fixture();
  auto ev = run_cli("eval --model " + f.dir + "/m --data " + f.dir +
                    "/data --limit 4 --max-new-tokens 4 --threads 1 "
                    "--dtype bfloat16");
  ASSERT_EQ(ev.code, 0) << ev.output;
  EXPECT_NE(ev.output.find("overall"), std::string::npos) << ev.output;
}

TEST(CliDtype, UnknownDtypeIsAOneLineError) {
  auto& f = dtype_fixture();
  for (const std::string& cmd : {std::string("generate --prompt hi"), "eval --data " + f.dir + "/data"}) {
    auto r = run_cli(cmd + " --model " + f.dir + "/m --dtype float8");
    EXPECT_EQ(r.code, 1) << cmd;
    EXPECT_EQ(test_support::count_of(r.output, "\n"), 1u) << r.output;
    EXPECT_NE(r.output.find("--dtype"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"float8\""), std::string::npos) << r.output;
  }
}
