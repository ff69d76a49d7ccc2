#include "vlsi/serve/chat_prompt.h"

#include <climits>
#include <cstdlib>

#include "vlsi/data/image.h"
#include "vlsi/io/error.h"
#include "vlsi/io/read_file.h"
#include "vlsi/serve/api_error.h"

namespace vlsi::serve {
namespace {

// The file behind a file:// URL, only inside `dir` (symlinks resolved first,
// so a link cannot lead out of it).
std::string read_allowed_file(const ImageSource& src, const std::string& dir) {
  if (dir.empty()) reject(src.param, src.param + ": file paths need the server's --image-dir", "invalid_image_url");
  char resolved[PATH_MAX], root[PATH_MAX];
  if (!::realpath(src.path.c_str(), resolved)) reject(src.param, src.param + ": no such image file", "invalid_image_url");
  if (!::realpath(dir.c_str(), root)) throw ApiError(500, "the server's --image-dir is gone");
  const std::string file(resolved), folder = std::string(root) + "/";
  if (file.rfind(folder, 0) != 0)
    reject(src.param, src.param + ": the file is outside the server's --image-dir", "invalid_image_url");
  const std::string problem = data::image_header_problem(file);
  if (!problem.empty()) reject(src.param, src.param + ": not a readable PNG or JPEG image", "invalid_image");
  return io::read_file(file);
}

}  // namespace

ChatPrompt build_chat_prompt(const ChatRequest& request, const data::SampleEncoder& encoder,
                             const model::VisionProcessor& processor, const PromptRules& rules) {
  size_t text_bytes = 0;
  for (const auto& m : request.messages) text_bytes += m.content.size();
  const std::string too_long = "the prompt is longer than the server's limit of " +
                               std::to_string(rules.max_prompt_tokens) + " tokens";
  if (text_bytes > plausible_prompt_bytes(rules.max_prompt_tokens))
    throw ApiError(400, too_long + " (" + std::to_string(text_bytes) + " bytes of text)", "messages",
                   "context_length_exceeded");
  if (!request.images.empty() && processor.image_token_string().empty())
    reject("messages", "the served model takes no images", "invalid_image");
  std::vector<image::Image> images;
  std::vector<std::array<int64_t, 2>> sizes;
  for (const auto& src : request.images) {
    try {
      images.push_back(data::decode_image(src.path.empty() ? src.bytes : read_allowed_file(src, rules.image_dir),
                                          src.param));
    } catch (const Error& e) {
      reject(src.param, e.what(), "invalid_image");
    }
    sizes.push_back({images.back().height, images.back().width});
  }
  ChatPrompt out;
  try {
    const std::vector<int64_t> counts = images.empty() ? std::vector<int64_t>{} : processor.image_token_counts(sizes);
    out.ids = encoder.encode_chat(request.messages, /*generation_prompt=*/true, counts);
  } catch (const Error& e) {
    reject("messages", std::string("cannot encode the conversation: ") + e.what());
  }
  if (int64_t(out.ids.size()) > rules.max_prompt_tokens)
    throw ApiError(400, too_long + " (" + std::to_string(out.ids.size()) + " tokens)", "messages",
                   "context_length_exceeded");
  if (!images.empty()) out.images = processor.process(images);
  return out;
}

}  // namespace vlsi::serve
