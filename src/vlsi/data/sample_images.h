#pragma once
// A record's images through a model family's processor: how many image tokens
// each kept image needs (from the files' headers, before anything is decoded),
// and the processed pixels of the images a sample keeps.
#include <string>

#include "vlsi/data/collate.h"
#include "vlsi/data/record.h"
#include "vlsi/model/vision_processor.h"

namespace vlsi::data {

// Image-token counts for the record's first k images as one sample. Reads the
// images' headers once, on first use; a file that is not a PNG/JPEG fails.
ImageTokenCounts image_token_counts(const Record& r, const std::string& image_dir,
                                    const model::VisionProcessor& processor);

// Decodes the first `count` images of a record and processes them as one sample.
model::VisionInputs process_record_images(const Record& r, const std::string& image_dir,
                                          const model::VisionProcessor& processor, size_t count);

// Encodes a record for training and processes the images it keeps.
PreparedSample prepare_sample(const SampleEncoder& encoder, const model::VisionProcessor& processor, const Record& r,
                              const std::string& image_dir);

// A generation prompt (everything before the last answer) and its images.
struct PreparedPrompt {
  PromptSample prompt;
  model::VisionInputs images;
};
PreparedPrompt prepare_prompt(const SampleEncoder& encoder, const model::VisionProcessor& processor, const Record& r,
                              const std::string& image_dir);

}  // namespace vlsi::data
