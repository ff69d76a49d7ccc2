#pragma once
// Records -> token ids, labels and pixels, in Qwen2's ChatML:
//   [<|im_start|>system\n...<|im_end|>\n]
//   <|im_start|>user\n<image x N>\nQuestion<|im_end|>\n<|im_start|>assistant\nAnswer<|im_end|>\n ...
// Each "<image>" placeholder becomes as many copies of the image token as the
// model family's processor gives that image (one per visual feature the model
// splices in; the count can depend on the image's size and on how many images
// the sample keeps). Labels are -100
// except on assistant answers: the answer text and its closing <|im_end|>.
//
// Truncation to max_length, in this order:
//  1. whole trailing exchanges (a human turn and its answer) are dropped
//     while the sequence is too long and more than one exchange is left;
//  2. if the first exchange alone is too long, its answer is cut at
//     max_length, as long as the prompt and at least one answer token fit;
//  3. otherwise the record is rejected (BadRecord, reason "too_long").
// Images never get cut: an image belongs to the exchange whose turn holds it.
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vlsi/data/image.h"
#include "vlsi/data/record.h"
#include "vlsi/model/vision_inputs.h"
#include "vlsi/text/chat_template.h"
#include "vlsi/text/jinja/chat_template_renderer.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::data {

inline constexpr int64_t kIgnoreIndex = -100;

namespace reason {
inline constexpr const char* too_long = "too_long";
}

struct ChatFormat {
  bool with_images = true;              // the tokenizer must have image_token
  std::string image_token = "<image>";  // tokenizer token that stands for one visual token
  std::string image_prefix, image_suffix;  // around each image's tokens in the built-in ChatML (the family's)
  std::string pad_token = "<|endoftext|>";
  int64_t max_length = 2048;
  bool add_default_system = false;      // Qwen2 adds "You are a helpful assistant."
  std::string default_system = "You are a helpful assistant.";
  // A model folder's own chat template (rendered as transformers renders it;
  // labels from its {% generation %} spans). Null: the built-in ChatML above.
  // With one, add_default_system is the template's business.
  std::shared_ptr<const text::jinja::ChatTemplate> chat_template;
  nlohmann::json template_variables = nlohmann::json::object();  // bos_token, eos_token, ... for the template
};

struct EncodedSample {
  std::string id;
  std::vector<int64_t> input_ids;
  std::vector<int64_t> labels;  // kIgnoreIndex where no loss
  size_t num_images = 0;        // the record's first num_images images are used
  bool truncated = false;
};

// Everything before the final answer, ending in "<|im_start|>assistant\n",
// for generation; `reference` is the final answer.
struct PromptSample {
  std::string id;
  std::vector<int64_t> input_ids;
  size_t num_images = 0;
  std::string reference;
};

// Image tokens of each of the first `kept_images` images of a record, when the
// sample keeps exactly those (data/sample_images.h makes one from a processor).
using ImageTokenCounts = std::function<std::vector<int64_t>(size_t kept_images)>;

class SampleEncoder {
 public:
  // Fails (one line) when the tokenizer lacks the image or pad token or the
  // ChatML markers, or maps the image token to more than one id.
  SampleEncoder(text::Tokenizer tokenizer, ChatFormat format);

  // `image_tokens` may be empty for records without images.
  EncodedSample encode(const Record& r, const ImageTokenCounts& image_tokens = {}) const;
  PromptSample encode_prompt(const Record& r, const ImageTokenCounts& image_tokens = {}) const;
  // A whole chat, tokenised piece by piece as encode() does; the i-th image
  // placeholder becomes image_tokens[i] image tokens. No length limit.
  std::vector<int64_t> encode_chat(const std::vector<text::ChatMessage>& msgs, bool generation_prompt,
                                   const std::vector<int64_t>& image_tokens = {}) const;
  // The chat as text, one image placeholder per image (what a transformers
  // processor is given): the folder's template, or the built-in ChatML.
  std::string render_text(const std::vector<text::ChatMessage>& msgs, bool generation_prompt) const;
  // How this encoder renders a chat (`system`: add the format's default system message).
  text::ChatTemplateOptions template_options(bool system, bool generation_prompt,
                                             std::vector<int64_t> image_tokens = {}) const;

  int64_t pad_id() const { return pad_id_; }
  int64_t image_token_id() const { return image_id_; }
  const ChatFormat& format() const { return format_; }
  const text::Tokenizer& tokenizer() const { return tokenizer_; }

 private:
  void append_segments(const std::vector<text::ChatMessage>& msgs, const text::ChatTemplateOptions& opt,
                       std::vector<int64_t>& ids, std::vector<int64_t>* labels) const;
  EncodedSample encode_with(const Record& r, const std::vector<int64_t>& image_tokens) const;
  nlohmann::ordered_json template_context(const std::vector<text::ChatMessage>& msgs, bool generation_prompt) const;
  EncodedSample encode_with_template(const Record& r, const std::vector<int64_t>& image_tokens) const;
  // Through chat_template: the ids (each image token repeated by its count) and, when
  // `labels` is given, the labels of its generation spans.
  std::vector<int64_t> render_template(const std::vector<text::ChatMessage>& msgs, bool generation_prompt,
                                       const std::vector<int64_t>& image_tokens, std::vector<int64_t>* labels) const;
  std::vector<int64_t> counts_for(const Record& r, const ImageTokenCounts& image_tokens, size_t images) const;
  void check_image_tokens(const Record& r, const std::vector<int64_t>& ids, const std::vector<int64_t>& counts) const;

  text::Tokenizer tokenizer_;
  ChatFormat format_;
  int64_t pad_id_ = 0;
  int64_t image_id_ = -1;
};

struct Batch {
  torch::Tensor input_ids;       // [B, T] int64
  torch::Tensor attention_mask;  // [B, T] int64, 1 on tokens, 0 on padding
  torch::Tensor labels;          // [B, T] int64, kIgnoreIndex on prompt and padding
  model::VisionInputs images;    // images of all samples in order (empty if none)
  std::vector<std::string> ids;
  int64_t num_label_tokens = 0;
  // The same samples encoded for a teacher of another family (its processor,
  // tokenizer and chat template); null when the teacher reads this batch.
  std::shared_ptr<const Batch> teacher_view;
};

// A sample ready for batching: tokens plus its processed images.
struct PreparedSample {
  EncodedSample encoded;
  model::VisionInputs images;  // empty when the sample has no image
};

// Right-pads to the longest sample with pad_id (labels -100, mask 0).
Batch collate(const std::vector<PreparedSample>& samples, int64_t pad_id);

}  // namespace vlsi::data
