#include "vlsi/cli/chat_model.h"

#include "vlsi/data/sample_images.h"
#include "vlsi/data/template_chat.h"
#include "vlsi/model/compute_dtype.h"
#include "vlsi/train/trainer.h"

namespace vlsi::cli {
namespace {

model::ModelBundle load_for_inference(const std::string& dir, const std::string& device, const std::string& dtype) {
  model::LoadOptions lo;
  lo.device = torch::Device(device);
  lo.dtype = model::inference_dtype_from_name(dtype, "option --dtype");
  model::ModelBundle b = model::load_bundle(dir, lo);
  b.model->eval();
  return b;
}

}  // namespace

ChatModel::ChatModel(const std::string& dir, const std::string& device, const std::string& dtype)
    : bundle_(load_for_inference(dir, device, dtype)),
      encoder_(*bundle_.tokenizer, data::chat_format_of(bundle_)) {}

ChatModel::Prompt ChatModel::encode(const std::vector<data::Turn>& turns, const std::vector<std::string>& images) const {
  data::Record r;
  r.id = "prompt";
  r.location = "prompt";
  r.images = images;
  r.conversations = turns;
  r.conversations.push_back({data::Role::gpt, ""});  // encode_prompt stops before the last answer
  data::PreparedPrompt p = data::prepare_prompt(encoder_, *bundle_.processor, r, "");
  check(p.prompt.num_images == images.size(), "prompt: ", images.size(), " image(s) given but the turns have ",
        p.prompt.num_images, " image placeholder(s)");
  return {p.prompt.input_ids, p.images};
}

infer::GenerationOptions ChatModel::generation_options() const {
  infer::GenerationOptions o;
  o.pad_id = encoder_.pad_id();
  for (const char* stop : {"<|im_end|>", "<|endoftext|>"})
    if (auto id = tokenizer().token_to_id(stop)) o.stop_ids.push_back(*id);
  o.tokenizer = &tokenizer();
  return o;
}

data::Turn user_turn(const std::string& prompt, bool with_image) {
  return {data::Role::human, with_image ? std::string(data::kImagePlaceholder) + "\n" + prompt : prompt};
}

void DecodeFlags::apply(infer::GenerationOptions& o) const {
  train::set_compute_threads(threads);
  o.max_new_tokens = max_new_tokens;
  o.sampling.temperature = temperature;
  o.sampling.top_k = top_k;
  o.sampling.top_p = top_p;
  o.sampling.seed = seed;
  o.num_beams = beams;
  o.length_penalty = length_penalty;
  o.stop_strings = stops;
  o.validate();
}

void add_decode_flags(CLI::App* cmd, DecodeFlags& f, bool greedy_only) {
  cmd->add_option("--max-new-tokens", f.max_new_tokens,
                  "answer length limit in tokens (decoding also stops at the model's context, max_position_embeddings)")
      ->capture_default_str();
  if (!greedy_only) {
    cmd->add_option("--temperature", f.temperature, "sampling temperature (0 = greedy)")->capture_default_str();
    cmd->add_option("--top-k", f.top_k, "sample only among the K likeliest tokens (0 = no limit)")->capture_default_str();
    cmd->add_option("--top-p", f.top_p, "sample only among the likeliest tokens reaching probability P")
        ->capture_default_str();
    cmd->add_option("--seed", f.seed, "sampling seed (same seed, same answer)")->capture_default_str();
    cmd->add_option("--beams", f.beams, "beam search with N beams (1 = no beam search, at most 1024)")
        ->capture_default_str();
    cmd->add_option("--length-penalty", f.length_penalty, "beam score = log p / length^L")->capture_default_str();
    cmd->add_option("--stop", f.stops, "stop when the answer contains STR (repeatable; STR is not printed)");
  }
  add_runtime_flags(cmd, f.device, f.dtype, f.threads);
}

void add_runtime_flags(CLI::App* cmd, std::string& device, std::string& dtype, int64_t& threads) {
  cmd->add_option("--device", device, "cpu or cuda")->capture_default_str();
  cmd->add_option("--dtype", dtype, "float32, bfloat16 or float16 (default: the model's own, config.json's dtype)");
  cmd->add_option("--threads", threads, "CPU threads (0 = every core)")->capture_default_str();
}

}  // namespace vlsi::cli
