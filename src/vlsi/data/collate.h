#pragma once
// Records -> token ids, labels and pixels, in Qwen2's ChatML:
//   [<|im_start|>system\n...<|im_end|>\n]
//   <|im_start|>user\n<image x N>\nQuestion<|im_end|>\n<|im_start|>assistant\nAnswer<|im_end|>\n ...
// Each "<image>" placeholder becomes `num_image_tokens` copies of the image
// token (one per visual feature the model splices in). Labels are -100
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
#include <string>
#include <vector>

#include "vlsi/data/image.h"
#include "vlsi/data/record.h"
#include "vlsi/text/chat_template.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::data {

inline constexpr int64_t kIgnoreIndex = -100;

namespace reason {
inline constexpr const char* too_long = "too_long";
}

struct ChatFormat {
  int64_t num_image_tokens = 0;         // visual tokens per image (from the model)
  std::string image_token = "<image>";  // tokenizer token that stands for one visual token
  std::string pad_token = "<|endoftext|>";
  int64_t max_length = 2048;
  bool add_default_system = false;      // Qwen2 adds "You are a helpful assistant."
  std::string default_system = "You are a helpful assistant.";
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

class SampleEncoder {
 public:
  // Fails (one line) when the tokenizer lacks the image or pad token or the
  // ChatML markers, or maps the image token to more than one id.
  SampleEncoder(text::Tokenizer tokenizer, ChatFormat format);

  EncodedSample encode(const Record& r) const;
  PromptSample encode_prompt(const Record& r) const;
  // A whole chat, tokenised piece by piece as encode() does; image placeholders
  // become num_image_tokens image tokens. No length limit, no image check.
  std::vector<int64_t> encode_chat(const std::vector<text::ChatMessage>& msgs, bool generation_prompt) const;
  // How this encoder renders a chat (`system`: add the format's default system message).
  text::ChatTemplateOptions template_options(bool system, bool generation_prompt) const;

  int64_t pad_id() const { return pad_id_; }
  int64_t image_token_id() const { return image_id_; }
  const ChatFormat& format() const { return format_; }
  const text::Tokenizer& tokenizer() const { return tokenizer_; }

 private:
  void append_segments(const std::vector<text::ChatMessage>& msgs, const text::ChatTemplateOptions& opt,
                       std::vector<int64_t>& ids, std::vector<int64_t>* labels) const;
  void check_image_tokens(const Record& r, const std::vector<int64_t>& ids, size_t images) const;

  text::Tokenizer tokenizer_;
  ChatFormat format_;
  int64_t pad_id_ = 0;
  int64_t image_id_ = -1;
};

struct Batch {
  torch::Tensor input_ids;       // [B, T] int64
  torch::Tensor attention_mask;  // [B, T] int64, 1 on tokens, 0 on padding
  torch::Tensor labels;          // [B, T] int64, kIgnoreIndex on prompt and padding
  torch::Tensor pixel_values;    // [N, 3, H, W] float, images of all samples in order; undefined if none
  std::vector<std::string> ids;
  int64_t num_label_tokens = 0;
};

// A sample ready for batching: tokens plus its images as [n, 3, H, W].
struct PreparedSample {
  EncodedSample encoded;
  torch::Tensor pixel_values;  // undefined when the sample has no image
};

// Decodes, resizes and normalises the first `count` images of a record into
// [count, 3, H, W]; undefined tensor when count is 0.
torch::Tensor load_record_images(const Record& r, const std::string& image_dir, const ImageTransform& t, size_t count);

// Right-pads to the longest sample with pad_id (labels -100, mask 0).
Batch collate(const std::vector<PreparedSample>& samples, int64_t pad_id);

}  // namespace vlsi::data
