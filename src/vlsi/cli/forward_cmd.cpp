// vlsi forward: one forward pass over a prompt or chat, inputs and outputs
// written under transformers' names, so a user can diff vlsi against
// transformers for their own checkpoint.
#include <cstdio>
#include <memory>

#include "vlsi/cli/chat_model.h"
#include "vlsi/cli/commands.h"
#include "vlsi/cli/forward_input.h"
#include "vlsi/io/error.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/train/trainer.h"

namespace vlsi::cli {
namespace {

struct ForwardArgs {
  std::string model_dir, prompt, chat, out;
  std::vector<std::string> images;
  bool hidden_states = false;
  bool no_generation_prompt = false;
  std::string device = "cpu", dtype;
  int64_t threads = 0;
};

// Float outputs as float32 on the CPU: lossless from bfloat16/float16, and what a diff wants.
torch::Tensor f32(const torch::Tensor& t) { return t.detach().to(torch::kCPU, torch::kFloat32).contiguous(); }

void run_forward(const ForwardArgs& a, bool has_prompt, bool has_chat) {
  check(!(has_prompt && has_chat), "forward: give --prompt or --chat, not both");
  check(has_prompt || has_chat, "forward: give --prompt TEXT or --chat FILE.json");
  // Inputs are checked before the (possibly slow) model load.
  auto messages = has_chat ? read_chat_file(a.chat) : prompt_messages(a.prompt, a.images.size());
  check_image_count(messages, a.images.size());
  train::set_compute_threads(a.threads);
  ChatModel m(a.model_dir, a.device, a.dtype);
  ForwardInput in = encode_forward_input(m, messages, a.images, !a.no_generation_prompt);

  auto& net = m.model();
  const torch::Device device(a.device);
  torch::Tensor ids = torch::tensor(in.ids, torch::kInt64).unsqueeze(0);
  torch::Tensor mask = torch::ones_like(ids);
  const model::VisionInputs images = in.images.to(device);
  torch::NoGradGuard no_grad;
  model::ForwardOptions fo;
  fo.output_layer_hidden_states = a.hidden_states;
  model::VlmOutput out = net->forward(ids.to(device), images, mask.to(device), fo);

  io::NamedTensors tensors = {{"input_ids", ids}, {"attention_mask", mask}, {"logits", f32(out.logits)}};
  if (!in.images.empty() && !in.images.patch_grids.empty()) {
    // A family that cuts images into patch grids: the patches of every image
    // one after the other, and each image's (t, h, w) grid (image_grid_thw).
    tensors.emplace_back("pixel_values", in.images.pixel_values);
    std::vector<int64_t> grids;
    for (const auto& g : in.images.patch_grids) grids.insert(grids.end(), g.begin(), g.end());
    tensors.emplace_back("image_grid_thw", torch::tensor(grids, torch::kInt64).view({-1, 3}));
  } else if (!in.images.empty()) {
    // As transformers' processor returns them: [images, most tiles, C, H, W]
    // zero-padded, (height, width) per image, and one sample of all the images.
    tensors.emplace_back("pixel_values", in.images.padded_pixel_values());
    std::vector<int64_t> sizes;
    for (const auto& s : in.images.image_sizes) sizes.insert(sizes.end(), s.begin(), s.end());
    tensors.emplace_back("image_sizes", torch::tensor(sizes, torch::kInt64).view({-1, 2}));
    tensors.emplace_back("batch_num_images", torch::tensor({in.images.num_images()}, torch::kInt64));
  }
  const int64_t layers = net->num_layers();
  if (a.hidden_states) {
    // transformers' output_hidden_states: the embeddings, each layer's output,
    // the last one replaced by the final-normed output (L + 1 tensors).
    check(int64_t(out.layer_hidden_states.size()) == layers, "forward: the model returned ",
          out.layer_hidden_states.size(), " layer outputs for ", layers, " layers");
    tensors.emplace_back("hidden_states.0", f32(net->input_embeddings(ids.to(device), images)));
    for (int64_t i = 1; i < layers; ++i)
      tensors.emplace_back("hidden_states." + std::to_string(i), f32(out.layer_hidden_states[size_t(i - 1)]));
    tensors.emplace_back("hidden_states." + std::to_string(layers), f32(out.last_hidden_state));
  }
  io::save_safetensors(a.out, tensors, {{"prompt", in.prompt}, {"model", a.model_dir}});
  std::fprintf(stderr, "forward: %lld tokens, %zu image(s), %lld layers%s -> %s\n", (long long)ids.size(1),
               a.images.size(), (long long)layers, a.hidden_states ? " (hidden states written)" : "", a.out.c_str());
}

}  // namespace

void register_forward_command(CLI::App& app) {
  auto a = std::make_shared<ForwardArgs>();
  auto* cmd = app.add_subcommand("forward",
                                 "One forward pass: input ids, logits and optionally hidden states to a .safetensors file "
                                 "named as transformers names them");
  cmd->add_option("--model", a->model_dir, "model folder (config.json, model.safetensors, tokenizer.json)")->required();
  auto* prompt = cmd->add_option("--prompt", a->prompt,
                                 "one user message (\"<image>\" marks images; without one, one per --image goes first)");
  auto* chat = cmd->add_option("--chat", a->chat,
                               "JSON array of {\"role\", \"content\"} messages; content a string (\"<image>\" marks "
                               "images) or a list of {\"type\": \"image\"|\"text\"} items");
  cmd->add_option("--image", a->images, "image file (PNG/JPEG), one per \"<image>\" marker, in order (repeatable)");
  cmd->add_option("--out", a->out, "output .safetensors file")->required();
  cmd->add_flag("--hidden-states", a->hidden_states,
                "also write hidden_states.0 (embeddings) .. hidden_states.L (final-normed), as output_hidden_states");
  cmd->add_flag("--no-generation-prompt", a->no_generation_prompt,
                "render the chat without the trailing \"<|im_start|>assistant\\n\"");
  add_runtime_flags(cmd, a->device, a->dtype, a->threads);
  cmd->callback([a, prompt, chat] { run_forward(*a, prompt->count() > 0, chat->count() > 0); });
}

}  // namespace vlsi::cli
