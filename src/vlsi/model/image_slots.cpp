#include "vlsi/model/image_slots.h"

#include "vlsi/io/error.h"

namespace vlsi::model {

void check_input_ids(const torch::Tensor& input_ids, int64_t vocab) {
  check(input_ids.defined() && input_ids.dim() == 2 && input_ids.scalar_type() == torch::kLong,
        "model input: input_ids must be an int64 [B, T] tensor");
  if (input_ids.numel() == 0) return;
  int64_t lo = input_ids.min().item<int64_t>(), hi = input_ids.max().item<int64_t>();
  check(lo >= 0 && hi < vocab, "model input: token ids range over [", lo, ", ", hi, "], outside the vocabulary [0, ",
        vocab, ")");
}

torch::Tensor splice_image_features(const torch::Tensor& embeds, const torch::Tensor& input_ids,
                                    int64_t image_token_id, const VisionInputs& images,
                                    const std::function<torch::Tensor()>& features) {
  torch::Tensor image_slots = input_ids == image_token_id;
  const int64_t slots = image_slots.sum().item<int64_t>();
  if (images.empty()) {
    check(slots == 0, "model input: input_ids hold ", slots, " image tokens (id ", image_token_id,
          ") but no images were given");
    return embeds;
  }
  torch::Tensor f = features().to(embeds.scalar_type());
  check(slots == f.size(0), "model input: input_ids hold ", slots, " image tokens (id ", image_token_id, ") but the ",
        images.num_images(), " image(s) give ", f.size(0), " features");
  // Row-major order over [B, T]: features fill the image slots in order (HF's masked_scatter).
  return embeds.masked_scatter(image_slots.unsqueeze(-1), f);
}

}  // namespace vlsi::model
