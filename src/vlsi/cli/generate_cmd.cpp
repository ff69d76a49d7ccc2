// vlsi generate: one answer to a prompt (and image), streamed as it is decoded.
// vlsi chat: a multi-turn conversation in the terminal.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "vlsi/cli/chat_model.h"
#include "vlsi/cli/commands.h"
#include "vlsi/data/image.h"
#include "vlsi/io/error.h"

namespace vlsi::cli {
namespace {

struct GenerateArgs {
  std::string model_dir, image, prompt;
  DecodeFlags decode;
};

// Decodes one answer to `turns`, printing it to stdout as it comes; returns its text.
std::string answer(ChatModel& m, const std::vector<data::Turn>& turns, const std::vector<std::string>& images,
                   const DecodeFlags& flags) {
  auto prompt = m.encode(turns, images);
  auto o = m.generation_options();
  flags.apply(o);
  o.on_text = [](size_t, const std::string& piece) {
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
  };
  std::string text = infer::generate(m.model(), {prompt.ids}, prompt.images, o).at(0).text;
  std::fputc('\n', stdout);
  std::fflush(stdout);
  return text;
}

void run_generate(const GenerateArgs& a) {
  ChatModel m(a.model_dir, a.decode.device, a.decode.dtype);
  std::vector<std::string> images;
  if (!a.image.empty()) images.push_back(a.image);
  answer(m, {user_turn(a.prompt, !a.image.empty())}, images, a.decode);
}

// Reads user lines from stdin until /quit or end of input. Commands:
// /image FILE (attach to the next message), /reset (forget the conversation).
void run_chat(const GenerateArgs& a) {
  ChatModel m(a.model_dir, a.decode.device, a.decode.dtype);
  const bool tty = ::isatty(0);
  std::vector<data::Turn> turns;
  std::vector<std::string> images;
  std::string pending_image = a.image;
  if (tty) std::fprintf(stderr, "chat with %s: /image FILE, /reset, /quit (or end of input)\n", a.model_dir.c_str());
  for (std::string line;;) {
    if (tty) std::fputs("> ", stderr);
    if (!std::getline(std::cin, line) || line == "/quit") break;
    if (line.empty()) continue;
    if (line == "/reset") {
      turns.clear();
      images.clear();
      pending_image.clear();
      std::fprintf(stderr, "[conversation reset]\n");
      continue;
    }
    if (line.rfind("/image ", 0) == 0) {
      // Checked now: an unreadable image is never attached (it would fail every later message).
      const std::string file = line.substr(7);
      if (std::string problem = data::image_header_problem(file); !problem.empty()) {
        std::fprintf(stderr, "error: %s; no image attached\n", problem.c_str());
        pending_image.clear();
        continue;
      }
      pending_image = file;
      std::fprintf(stderr, "[image %s attached to the next message]\n", pending_image.c_str());
      continue;
    }
    std::vector<data::Turn> next_turns = turns;
    std::vector<std::string> next_images = images;
    next_turns.push_back(user_turn(line, !pending_image.empty()));
    if (!pending_image.empty()) next_images.push_back(pending_image);
    try {
      std::string reply = answer(m, next_turns, next_images, a.decode);
      next_turns.push_back({data::Role::gpt, reply});
      turns = std::move(next_turns);
      images = std::move(next_images);
      pending_image.clear();
    } catch (const Error& e) {  // a bad image or a too long conversation: report, keep chatting
      std::fprintf(stderr, "error: %s\n", e.what());
      if (!pending_image.empty()) std::fprintf(stderr, "[image %s detached]\n", pending_image.c_str());
      pending_image.clear();  // the failed message's image must not ride on the next one
    }
  }
}

}  // namespace

void register_generate_commands(CLI::App& app) {
  auto g = std::make_shared<GenerateArgs>();
  auto* gen = app.add_subcommand("generate", "Answer a prompt about an image, printing tokens as they are decoded");
  gen->add_option("--model", g->model_dir, "model folder (config.json, model.safetensors, tokenizer.json)")->required();
  gen->add_option("--image", g->image, "image file (PNG/JPEG)");
  gen->add_option("--prompt", g->prompt, "the question")->required();
  add_decode_flags(gen, g->decode, /*greedy_only=*/false);
  gen->callback([g] { run_generate(*g); });

  auto c = std::make_shared<GenerateArgs>();
  auto* chat = app.add_subcommand("chat", "Multi-turn chat on stdin/stdout (/image FILE, /reset, /quit)");
  chat->add_option("--model", c->model_dir, "model folder (config.json, model.safetensors, tokenizer.json)")->required();
  chat->add_option("--image", c->image, "image file attached to the first message");
  add_decode_flags(chat, c->decode, /*greedy_only=*/false);
  chat->callback([c] { run_chat(*c); });

  register_verbalize_command(app);
}

}  // namespace vlsi::cli
