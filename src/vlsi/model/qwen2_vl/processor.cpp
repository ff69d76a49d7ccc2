#include "vlsi/model/qwen2_vl/processor.h"

#include <filesystem>

#include "vlsi/io/error.h"
#include "vlsi/model/qwen2_vl/image_processor.h"

namespace vlsi::model::qwen2_vl {

Qwen2VlProcessor Qwen2VlProcessor::for_model(const TowerPatchSizes& v) {
  Qwen2VlProcessor p;
  p.image_processor.patch_size = v.patch_size;
  p.image_processor.temporal_patch_size = v.temporal_patch_size;
  p.image_processor.merge_size = v.spatial_merge_size;
  p.image_processor.validate("model config: processor");
  return p;
}

Qwen2VlProcessor Qwen2VlProcessor::load(const std::string& folder, const TowerPatchSizes& v) {
  const std::string file = (std::filesystem::path(folder) / "preprocessor_config.json").string();
  if (!std::filesystem::exists(file)) return for_model(v);
  Qwen2VlProcessor p;
  p.image_processor = ImageProcessorConfig::load(file);
  const ImageProcessorConfig& c = p.image_processor;
  check(c.patch_size == v.patch_size && c.temporal_patch_size == v.temporal_patch_size &&
            c.merge_size == v.spatial_merge_size,
        file, ": patch_size/temporal_patch_size/merge_size ", c.patch_size, "/", c.temporal_patch_size, "/",
        c.merge_size, " differ from the vision tower's ", v.patch_size, "/", v.temporal_patch_size, "/",
        v.spatial_merge_size, " (config.json)");
  return p;
}

VisionInputs Qwen2VlProcessor::process(const std::vector<image::Image>& sample_images) const {
  VisionInputs out;
  if (sample_images.empty()) return out;
  ProcessedImages p = process_images(sample_images, image_processor);
  out.pixel_values = p.pixel_values;
  auto grids = p.image_grid_thw.accessor<int64_t, 2>();
  for (size_t i = 0; i < sample_images.size(); ++i) {
    const int64_t t = grids[int64_t(i)][0], h = grids[int64_t(i)][1], w = grids[int64_t(i)][2];
    out.patch_grids.push_back({t, h, w});
    out.tiles_per_image.push_back(t * h * w);
    out.image_sizes.push_back({sample_images[i].height, sample_images[i].width});
  }
  return out;
}

std::vector<int64_t> Qwen2VlProcessor::image_token_counts(
    const std::vector<std::array<int64_t, 2>>& sample_image_sizes) const {
  std::vector<int64_t> out;
  for (const auto& [h, w] : sample_image_sizes) out.push_back(image_token_count(h, w, image_processor));
  return out;
}

void Qwen2VlProcessor::save(const std::string& folder) const { image_processor.save(folder); }

}  // namespace vlsi::model::qwen2_vl
