// The page at / and POST /v1/vlsi/layers, end to end: `vlsi serve` on a tiny
// student with verbalizers and a layer pairing, beside a tiny teacher with
// its own verbalizers. The layer endpoint must answer what `vlsi verbalize
// --json` prints for the same prompt (the same early-exit decoding), with
// OpenAI-shaped errors naming the field; headless Chromium (driven by
// tests/serve/page_browser_check.py) loads the page,
// which submits a question with an image, streams the answer and fills the
// layer panel (the answer must equal the chat route's greedy answer).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <regex>

#include "../cli/model_folder_fixture.h"
#include "../support/python_reference.h"
#include "server_process.h"
#include "vlsi/cli/chat_model.h"
#include "vlsi/data/image.h"
#include "vlsi/distill/served_folders.h"
#include "vlsi/distill/verbalizer_set.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/base64.h"
#include "vlsi/io/dir_walk.h"

namespace vlsi::serve::page_test {
namespace {

using nlohmann::json;
using test_support::run_cli;
using test_support::run_shell;
using test_support::ServerProcess;

const char* const kQuestion = "What colour is the shape?";
constexpr int kMaxTokens = 8;

// Random verbalizers (down_proj drawn, so they differ from the logit lens) at `layers` of DIR's model.
void add_verbalizers(const std::string& dir, std::vector<int64_t> layers, uint64_t seed) {
  cli::ChatModel m(dir, "cpu");
  distill::VerbalizerOptions vo;
  vo.zero_init_down = false;
  distill::VerbalizerSet set(std::move(layers), int64_t(48), distill::output_head_of(m.model()), vo, seed);
  distill::save_verbalizer_set(set, dir);
}

// DIR/s: a 3-layer student verbalized at 0 and 1 with a layer pairing;
// DIR/t: a 4-layer teacher verbalized at 0, 1 and 2; DIR/img.png.
struct PageFixture {
  std::string dir = test_support::fresh_dir("serve_page");
  std::string image_url;
  PageFixture() {
    test_support::init_model_folder(dir + "/teacher", 4);
    std::filesystem::rename(dir + "/teacher/m", dir + "/t");
    test_support::init_model_folder(dir, 3);
    std::filesystem::rename(dir + "/m", dir + "/s");
    test_support::push_weights(dir + "/s", dir + "/tokenizer.json");
    test_support::push_weights(dir + "/t", dir + "/tokenizer.json", 0.2, 11);
    add_verbalizers(dir + "/s", {0, 1}, 5);
    add_verbalizers(dir + "/t", {0, 1, 2}, 7);
    const json interact = {{"student_target_layers", {0, 1}},
                           {"teacher_target_layers", {0, 1, 2}},
                           {"match_counts", {{1, 5, 0}, {0, 1, 7}}}};
    io::write_json_file(dir + "/s/" + distill::kLayerPairingFile,
                        distill::layer_pairing_from_interact(interact, "test"));
    data::Image img(32, 32, 0);
    for (int y = 8; y < 24; ++y)
      for (int x = 8; x < 24; ++x) img.pixel(x, y)[0] = 255;
    data::write_png(dir + "/img.png", img);
    image_url = "data:image/png;base64," + io::encode_base64(io::read_file(dir + "/img.png"));
  }
  ~PageFixture() {
    if (!std::getenv("VLSI_KEEP_TEST_DIRS")) io::remove_tree(dir);
  }
};

PageFixture& fixture() {
  static PageFixture f;
  return f;
}

// The server on the fixture's student and teacher, on a free port.
std::unique_ptr<ServerProcess> start_server(const PageFixture& f) {
  auto s = std::make_unique<ServerProcess>(
      std::vector<std::string>{"--model", f.dir + "/s", "--teacher", f.dir + "/t", "--port", "0", "--threads", "1",
                               "--max-tokens", "64"},
      f.dir + "/serve.log");
  EXPECT_TRUE(s->wait_for_url(60)) << s->output();
  return s;
}

// POSTs `body` (written to a file: it holds an image) with curl; returns {status, body}.
std::pair<int, std::string> post(const std::string& url, const std::string& body, const std::string& scratch) {
  io::write_file_atomic(scratch + "/body.json", body);
  auto r = run_shell("curl -s -o " + scratch + "/answer.json -w '%{http_code}' -H 'Content-Type: application/json' "
                     "--data-binary @" + scratch + "/body.json " + url);
  return {std::atoi(r.output.c_str()), io::file_exists(scratch + "/answer.json") ? io::read_file(scratch + "/answer.json") : ""};
}

json ask(const PageFixture& f, json extra = json::object()) {
  json body = {{"model", "s"},
               {"max_tokens", kMaxTokens},
               {"messages", {{{"role", "user"},
                              {"content", {{{"type", "image_url"}, {"image_url", {{"url", f.image_url}}}},
                                           {{"type", "text"}, {"text", kQuestion}}}}}}}};
  body.update(extra);
  return body;
}

TEST(ServeLayers, EachVerbalizedLayerAsVerbalizeDecodesItWithPairingAndErrors) {
  auto& f = fixture();
  auto server = start_server(f);
  ASSERT_GT(server->pid, 0);
  const std::string root = server->url.substr(0, server->url.size() - 3);  // without "/v1"
  auto [status, text] = post(server->url + "/vlsi/layers", ask(f).dump(), f.dir);
  ASSERT_EQ(status, 200) << text << "\n" << server->output();
  const json got = json::parse(text);
  ASSERT_EQ(got["models"].size(), 2u) << text;

  auto verbalize = run_cli("verbalize --model " + f.dir + "/s --teacher " + f.dir + "/t --image " + f.dir +
                           "/img.png --prompt '" + kQuestion + "' --max-new-tokens " + std::to_string(kMaxTokens) +
                           " --threads 1 --json");
  ASSERT_EQ(verbalize.code, 0) << verbalize.output;
  const json want = json::parse(verbalize.output);
  for (auto [k, side] : {std::pair{0, "student"}, std::pair{1, "teacher"}}) {
    const json& m = got["models"][k];
    const json& w = want[side]["layers"];
    EXPECT_EQ(m["verbalized"], true);
    ASSERT_EQ(m["layers"].size(), w.size()) << side;
    for (size_t i = 0; i < w.size(); ++i) {
      EXPECT_EQ(m["layers"][i]["layer"], w[i]["layer"]) << side << " row " << i;
      EXPECT_EQ(m["layers"][i]["head"], w[i]["head"]) << side << " row " << i;
      EXPECT_EQ(m["layers"][i]["text"], w[i]["text"]) << side << " row " << i;
      EXPECT_EQ(m["layers"][i]["tokens"], w[i]["tokens"].size()) << side << " row " << i;
    }
  }
  EXPECT_EQ(got["models"][0]["id"], "s");
  EXPECT_EQ(got["models"][1]["id"], "t");
  EXPECT_EQ(got["models"][0]["layers"].size(), 3u);  // layers 0, 1, final
  EXPECT_EQ(got["models"][1]["layers"].size(), 4u);  // layers 0, 1, 2, final (3)
  EXPECT_EQ(got["pairing"]["matched"], json({1, 2}));

  // Refusals: OpenAI's shape, the field named, and the server goes on.
  const std::vector<std::tuple<json, int, std::string>> bad = {
      {{{"stream", true}}, 400, "stream"},
      {{{"temperature", 0.7}}, 400, "temperature"},
      {{{"stop", "x"}}, 400, "stop"},
      {{{"max_tokens", 65}}, 400, "max_tokens"},
      {{{"model", "nope"}}, 404, "model"},
  };
  for (const auto& [extra, code, param] : bad) {
    auto [s, body] = post(server->url + "/vlsi/layers", ask(f, extra).dump(), f.dir);
    EXPECT_EQ(s, code) << extra.dump() << ": " << body;
    const json e = json::parse(body, nullptr, false);
    EXPECT_EQ(e["error"]["param"], param) << body;
  }
  auto [zero, zero_body] = post(server->url + "/vlsi/layers", ask(f, {{"temperature", 0}}).dump(), f.dir);
  EXPECT_EQ(zero, 200) << zero_body;
  auto get = run_shell("curl -s -o /dev/null -w '%{http_code}' " + server->url + "/vlsi/layers");
  EXPECT_EQ(get.output, "405");

  // The page: self-contained (no external script, style, image or font).
  auto page = run_shell("curl -s " + root + "/");
  EXPECT_NE(page.output.find("id=\"student-layers\""), std::string::npos) << page.output.substr(0, 300);
  EXPECT_EQ(page.output.find("http://"), std::string::npos);
  EXPECT_EQ(page.output.find("https://"), std::string::npos);
  EXPECT_FALSE(std::regex_search(page.output, std::regex("(src|href)=\"[^\"#]")));
  EXPECT_EQ(server->terminate(20), 0) << server->output();
}

// Chromium's text serialization of `text` inside an element.
std::string html_text(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (text.compare(i, 2, "\xC2\xA0") == 0) out += "&nbsp;", ++i;
    else if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

std::string percent_encoded(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += char(c);
    else out += {'%', hex[c >> 4], hex[c & 15]};
  }
  return out;
}

size_t count_matches(const std::string& text, const std::string& pattern) {
  std::regex re(pattern);
  return size_t(std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

TEST(ServePageBrowser, ChromiumAsksStreamsAndShowsTheLayerPanel) {
  if (const char* skip = std::getenv("VLSI_SKIP_BROWSER_TESTS"); skip && std::string(skip) == "1")
    GTEST_SKIP() << "VLSI_SKIP_BROWSER_TESTS=1";
  ASSERT_EQ(run_shell("command -v chromium >/dev/null 2>&1").code, 0)
      << "chromium not found: install it with `bash scripts/install-deps.sh --test` "
         "(or set VLSI_SKIP_BROWSER_TESTS=1 where no browser can be installed)";
  auto& f = fixture();
  auto server = start_server(f);
  ASSERT_GT(server->pid, 0);
  const std::string root = server->url.substr(0, server->url.size() - 3);
  // The chat route's greedy answer for the same prompt, which the page must show.
  auto [status, text] = post(server->url + "/chat/completions", ask(f, {{"temperature", 0}}).dump(), f.dir);
  ASSERT_EQ(status, 200) << text;
  const std::string answer = json::parse(text)["choices"][0]["message"]["content"];
  ASSERT_FALSE(answer.empty());

  const std::string url = root + "/?autorun=1&max_tokens=" + std::to_string(kMaxTokens) +
                          "&q=" + percent_encoded(kQuestion) + "&image=" + percent_encoded(f.image_url);
  // Chromium driven over the DevTools protocol: --dump-dom does not wait for the fetches.
  const std::string shot = f.dir + "/page.png";
  auto run = run_shell("timeout 150 " + test_python::command("tests/serve/page_browser_check.py") + "'" + url +
                       "' --dom " + f.dir + "/page.html --screenshot " + shot + " --profile " + f.dir + "/chromium");
  ASSERT_TRUE(io::file_exists(f.dir + "/page.html")) << run.output;
  const std::string dom = io::read_file(f.dir + "/page.html");
  EXPECT_EQ(run.code, 0) << run.output;
  ASSERT_NE(dom.find("data-state=\"done\""), std::string::npos)
      << dom.substr(0, 6000) << "\nserver log:\n" << server->output();
  EXPECT_NE(dom.find("<div id=\"answer\" aria-live=\"polite\" data-finish=\""), std::string::npos);
  EXPECT_NE(dom.find("\">" + html_text(answer) + "</div>"), std::string::npos)
      << "answer " << answer << "\n" << dom.substr(0, 6000);
  const size_t teacher_at = dom.find("id=\"teacher-layers\"");
  ASSERT_NE(teacher_at, std::string::npos);
  const std::string student_part = dom.substr(0, teacher_at), teacher_part = dom.substr(teacher_at);
  EXPECT_EQ(count_matches(student_part, "<li class=\"layer verbalizer\""), 2u) << student_part;
  EXPECT_EQ(count_matches(student_part, "<li class=\"layer final\""), 1u);
  EXPECT_EQ(count_matches(teacher_part, "<li class=\"layer verbalizer( paired)?\""), 3u) << teacher_part;
  EXPECT_EQ(count_matches(teacher_part, "<li class=\"layer verbalizer paired\""), 2u);  // teacher layers 1 and 2
  EXPECT_EQ(count_matches(student_part, "data-matched=\"[12]\""), 2u);
  EXPECT_EQ(dom.find("<section id=\"teacher-column\" hidden"), std::string::npos);
  // The final row of the student column is the answer again.
  EXPECT_NE(student_part.find("<span class=\"text\">" + html_text(answer) + "</span>"), std::string::npos);

  ASSERT_TRUE(io::file_exists(shot));
  data::Image img = data::load_image(shot);
  EXPECT_EQ(img.width, 1000);
  EXPECT_GT(img.height, 400);  // the window less the (headless) browser's own bar
  size_t ink = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      const uint8_t* p = img.pixel(x, y);
      if (p[0] < 200 || p[1] < 200 || p[2] < 200) ++ink;
    }
  EXPECT_GT(ink, size_t(2000)) << "the screenshot looks blank";
  EXPECT_EQ(server->terminate(20), 0) << server->output();
}

}  // namespace
}  // namespace vlsi::serve::page_test
