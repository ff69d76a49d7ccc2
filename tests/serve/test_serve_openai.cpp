// End to end: `vlsi serve` on a tiny model folder, driven by the official
// openai Python client (tests/serve/openai_client_check.py). Greedy answers,
// plain, streamed, with an image and from 32 concurrent clients, must equal
// what `vlsi generate` prints for the same prompt; malformed requests get
// 4xx errors and the server keeps serving; SIGTERM ends it with status 0.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "../cli/model_folder_fixture.h"
#include "../support/python_reference.h"
#include "server_process.h"
#include "vlsi/data/image.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/base64.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/read_file.h"

namespace vlsi::serve::openai_e2e_test {
namespace {

using test_support::run_shell;
using test_support::ServerProcess;
using test_support::vlsi_bin;

// `vlsi generate`'s answer (stdout without its final newline).
std::string generate_answer(const std::string& model, const std::string& prompt, const std::string& image, int max_new) {
  std::string cmd = vlsi_bin() + " generate --model " + model + " --prompt '" + prompt + "' --max-new-tokens " +
                    std::to_string(max_new);
  if (!image.empty()) cmd += " --image " + image;
  auto r = run_shell("(" + cmd + " 2>/dev/null)");
  EXPECT_EQ(r.code, 0) << cmd;
  if (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
  return r.output;
}

TEST(ServeOpenAI, OfficialClientPlainStreamedImageConcurrentAndBadRequests) {
  // Never skipped: without the client the test fails with how to install it.
  ASSERT_EQ(run_shell("'" + test_python::interpreter() + "' -c 'import openai'").code, 0) << test_python::missing_hint();
  const std::string dir = test_support::fresh_dir("serve_openai");
  test_support::init_model_folder(dir, 2);
  test_support::push_weights(dir + "/m", dir + "/tokenizer.json");
  data::Image img(32, 32, 0);
  for (int y = 8; y < 24; ++y)
    for (int x = 8; x < 24; ++x) img.pixel(x, y)[0] = 255;
  data::write_png(dir + "/img.png", img);

  const int max_new = 12;
  nlohmann::json expected = {{"model", "m"}, {"max_tokens", max_new}, {"prompts", nlohmann::json::object()}};
  for (const char* p : {"What colour is the triangle?", "How many circles are there?", "Is the red square left?",
                        "What shape is it?"})
    expected["prompts"][p] = generate_answer(dir + "/m", p, "", max_new);
  expected["image_prompt"] = "What colour is the shape?";
  expected["image_answer"] = generate_answer(dir + "/m", "What colour is the shape?", dir + "/img.png", max_new);
  expected["image_png"] = io::encode_base64(io::read_file(dir + "/img.png"));
  // file:// images: allowed inside --image-dir only; a link inside it that leads out is refused too.
  io::make_dirs(dir + "/images");
  io::write_file_atomic(dir + "/images/img.png", io::read_file(dir + "/img.png"));
  std::filesystem::create_symlink(dir + "/m/config.json", dir + "/images/escape.png");
  expected["image_dir"] = dir + "/images";
  io::write_file_atomic(dir + "/expected.json", expected.dump());

  ServerProcess server({"--model", dir + "/m", "--port", "0", "--max-image-pixels", "4096", "--max-body-bytes",
                        "16000000", "--read-timeout", "2", "--body-timeout", "4", "--max-tokens", "64", "--threads", "1",
                        "--image-dir", dir + "/images"},
                       dir + "/serve.log");
  ASSERT_TRUE(server.wait_for_url(60)) << server.output();
  EXPECT_NE(server.url.find("127.0.0.1"), std::string::npos) << server.url;
  auto r = run_shell(test_python::command("tests/serve/openai_client_check.py") + "--url " + server.url +
                     " --expected " + dir + "/expected.json");
  EXPECT_EQ(r.code, 0) << r.output << "\nserver log:\n" << server.output();
  EXPECT_EQ(server.terminate(20), 0) << server.output();  // SIGTERM: a clean exit
  if (!HasFailure() && !std::getenv("VLSI_KEEP_TEST_DIRS")) io::remove_tree(dir);
}

TEST(ServeOpenAI, BadFlagsAreOneLineErrors) {
  for (const char* flags : {"--port 70000", "--max-batch 0", "--request-timeout 0", "--image-dir /no/such/folder"}) {
    auto r = test_support::run_cli(std::string("serve --model /nonexistent ") + flags);
    EXPECT_EQ(r.code, 1) << flags << ": " << r.output;
    EXPECT_EQ(test_support::count_of(r.output, "\n"), 1u) << flags << ": " << r.output;
    EXPECT_EQ(r.output.rfind("error: ", 0), 0u) << flags << ": " << r.output;
  }
}

}  // namespace
}  // namespace vlsi::serve::openai_e2e_test
