#pragma once
// A family-neutral stand-in for a model's processor in the data tests: each
// image becomes one size x size tile (nearest pixels, scaled to [0, 1]); an
// image alone in its sample gets `alone_tokens` image tokens, one sharing its
// sample `shared_tokens` (as LLaVA-OneVision counts differ between the two).
#include <torch/torch.h>

#include "vlsi/model/vision_processor.h"

namespace vlsi::data::testing {

class FakeProcessor : public model::VisionProcessor {
 public:
  FakeProcessor(int64_t size, int64_t alone_tokens, int64_t shared_tokens)
      : size_(size), alone_(alone_tokens), shared_(shared_tokens) {}

  model::VisionInputs process(const std::vector<image::Image>& images) const override {
    model::VisionInputs out;
    std::vector<torch::Tensor> tiles;
    for (const auto& img : images) {
      auto t = torch::empty({1, 3, size_, size_});
      auto a = t.accessor<float, 4>();
      for (int64_t y = 0; y < size_; ++y)
        for (int64_t x = 0; x < size_; ++x)
          for (int c = 0; c < 3; ++c)
            a[0][c][y][x] = img.rgb[(size_t(y * img.height / size_) * img.width + size_t(x * img.width / size_)) * 3 + c] / 255.0f;
      tiles.push_back(t);
      out.tiles_per_image.push_back(1);
      out.image_sizes.push_back({img.height, img.width});
    }
    if (!tiles.empty()) out.pixel_values = torch::cat(tiles, 0);
    return out;
  }
  std::vector<int64_t> image_token_counts(const std::vector<std::array<int64_t, 2>>& sizes) const override {
    return std::vector<int64_t>(sizes.size(), sizes.size() == 1 ? alone_ : shared_);
  }
  std::string image_token_string() const override { return "<image>"; }
  void save(const std::string&) const override {}

 private:
  int64_t size_, alone_, shared_;
};

}  // namespace vlsi::data::testing
