// vlsi verbalize: what each target layer of a model says about a prompt
// (early-exit decoding through the layer's verbalizer, VLsI Fig. 3), and the
// final layer; with --teacher, the teacher's layers beside the student's.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "vlsi/cli/chat_model.h"
#include "vlsi/cli/verbalized_exits.h"
#include "vlsi/distill/verbalizer_set.h"
#include "vlsi/infer/early_exit.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"

namespace vlsi::cli {
namespace {

struct VerbalizeArgs {
  std::string model_dir, teacher_dir, image, prompt;
  bool json = false;
  DecodeFlags decode;
};

// Every target layer's answer through its verbalizer, then the final layer's.
std::vector<infer::LayerAnswer> verbalized_answers(const std::string& dir, const VerbalizeArgs& a) {
  require_verbalizers(dir);  // before the model loads
  ChatModel m(dir, a.decode.device, a.decode.dtype);
  const std::vector<infer::ExitPoint> exits = load_verbalized_exits(m);
  std::vector<std::string> images;
  if (!a.image.empty()) images.push_back(a.image);
  auto prompt = m.encode({user_turn(a.prompt, !a.image.empty())}, images);
  auto o = m.generation_options();
  a.decode.apply(o);
  return infer::decode_at_layers(m.model(), prompt.ids, prompt.images, exits, o);
}

nlohmann::json to_json(const std::string& dir, const std::vector<infer::LayerAnswer>& answers) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& x : answers)
    layers.push_back({{"layer", x.layer},
                      {"head", x.final ? "final" : "verbalizer"},
                      {"text", x.generation.text},
                      {"tokens", x.generation.tokens},
                      {"finish", infer::finish_reason_name(x.generation.finish)}});
  return {{"model", dir}, {"layers", layers}};
}

// "layer 6  text" on one line (control bytes escaped: \n, \x1B); with width > 0, cut or
// padded to `width` characters (counted as UTF-8 lead bytes).
std::string cell(const infer::LayerAnswer& x, size_t width) {
  char head[32];
  std::snprintf(head, sizeof(head), "%s %2lld  ", x.final ? "final" : "layer", static_cast<long long>(x.layer));
  std::string out = head;
  for (unsigned char c : x.generation.text) {
    char esc[8] = {char(c), 0};
    if (c == '\n') std::snprintf(esc, sizeof(esc), "\\n");
    else if (c < 0x20) std::snprintf(esc, sizeof(esc), "\\x%02X", c);
    out += esc;
  }
  if (width == 0) return out;
  size_t chars = 0, cut = out.size();
  for (size_t i = 0; i < out.size(); ++i)
    if ((static_cast<unsigned char>(out[i]) & 0xC0) != 0x80 && chars++ == width) {
      cut = i;
      break;
    }
  out.resize(cut);
  if (chars < width) out.append(width - chars, ' ');
  return out;
}

void run_verbalize(const VerbalizeArgs& a) {
  auto student = verbalized_answers(a.model_dir, a);
  std::vector<infer::LayerAnswer> teacher;
  if (!a.teacher_dir.empty()) teacher = verbalized_answers(a.teacher_dir, a);
  if (a.json) {
    nlohmann::json j = {{"prompt", a.prompt}, {"image", a.image}, {"student", to_json(a.model_dir, student)}};
    if (!a.teacher_dir.empty()) j["teacher"] = to_json(a.teacher_dir, teacher);
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  if (teacher.empty()) {
    for (const auto& x : student) std::printf("%s\n", cell(x, 0).c_str());
    return;
  }
  const size_t width = 48;
  std::printf("%-*s | %s\n", int(width), ("student " + a.model_dir).c_str(), ("teacher " + a.teacher_dir).c_str());
  for (size_t r = 0; r < std::max(student.size(), teacher.size()); ++r) {
    std::string left = r < student.size() ? cell(student[r], width) : std::string(width, ' ');
    std::string right = r < teacher.size() ? cell(teacher[r], 0) : "";
    std::printf("%s | %s\n", left.c_str(), right.c_str());
  }
}

}  // namespace

void register_verbalize_command(CLI::App& app) {
  auto a = std::make_shared<VerbalizeArgs>();
  auto* cmd = app.add_subcommand("verbalize", "Early-exit decoding: each verbalized layer's answer, then the final one");
  cmd->add_option("--model", a->model_dir, "model folder with verbalizers.safetensors and verbalizers.json")->required();
  cmd->add_option("--teacher", a->teacher_dir, "a second model folder (with verbalizers) shown beside the first");
  cmd->add_option("--image", a->image, "image file (PNG/JPEG)");
  cmd->add_option("--prompt", a->prompt, "the question")->required();
  cmd->add_flag("--json", a->json, "print JSON: per model, each layer's text, tokens and finish reason");
  a->decode.max_new_tokens = 32;
  add_decode_flags(cmd, a->decode, /*greedy_only=*/true);
  cmd->callback([a] { run_verbalize(*a); });
}

}  // namespace vlsi::cli
