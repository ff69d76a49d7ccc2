#include "vlsi/data/sample_images.h"

#include <memory>

#include "vlsi/data/image.h"
#include "vlsi/io/error.h"

namespace vlsi::data {

ImageTokenCounts image_token_counts(const Record& r, const std::string& image_dir,
                                    const model::VisionProcessor& processor) {
  auto sizes = std::make_shared<std::vector<std::array<int64_t, 2>>>();
  const model::VisionProcessor* p = &processor;
  return [sizes, p, &r, image_dir](size_t kept) {
    check(kept <= r.images.size(), r.location, ": record '", r.id, "': ", kept, " image placeholders, ",
          r.images.size(), " images listed");
    while (sizes->size() < kept) {
      const std::string path = image_path(image_dir, r.images[sizes->size()]);
      int width = 0, height = 0;
      const std::string problem = image_header_problem(path, &width, &height);
      check(problem.empty(), problem);
      sizes->push_back({height, width});
    }
    return p->image_token_counts(std::vector<std::array<int64_t, 2>>(sizes->begin(), sizes->begin() + kept));
  };
}

model::VisionInputs process_record_images(const Record& r, const std::string& image_dir,
                                          const model::VisionProcessor& processor, size_t count) {
  check(count <= r.images.size(), r.location, ": record '", r.id, "': ", count, " images asked, ", r.images.size(),
        " present");
  if (count == 0) return {};
  std::vector<Image> images;
  for (size_t i = 0; i < count; ++i) images.push_back(load_image(image_path(image_dir, r.images[i])));
  return processor.process(images);
}

PreparedSample prepare_sample(const SampleEncoder& encoder, const model::VisionProcessor& processor, const Record& r,
                              const std::string& image_dir) {
  PreparedSample s;
  s.encoded = encoder.encode(r, image_token_counts(r, image_dir, processor));
  s.images = process_record_images(r, image_dir, processor, s.encoded.num_images);
  return s;
}

PreparedPrompt prepare_prompt(const SampleEncoder& encoder, const model::VisionProcessor& processor, const Record& r,
                              const std::string& image_dir) {
  PreparedPrompt p;
  p.prompt = encoder.encode_prompt(r, image_token_counts(r, image_dir, processor));
  p.images = process_record_images(r, image_dir, processor, p.prompt.num_images);
  return p;
}

}  // namespace vlsi::data
