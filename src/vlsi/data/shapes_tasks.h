#pragma once
// The question categories of the built-in visual-reasoning benchmark: seven
// in generator version 2, three multi-step ones added in version 3.
// Each generator draws a fresh image and a question whose answer can only be
// read from the image: balanced variables (yes/no, counts, answer colours,
// correct option letters) are stratified by the sample's slot, so every
// answer is equally frequent within a category and a text-only model can do
// no better than chance.
#include <cstdint>
#include <string>
#include <vector>

#include "vlsi/data/image.h"
#include "vlsi/data/rng.h"
#include "vlsi/data/shapes_bar_chart.h"
#include "vlsi/data/shapes_scene.h"

namespace vlsi::data::shapes {

enum class Category {
  attribute, counting, spatial, existence, pattern, chart, reasoning,  // version 2
  relational, comparison, arithmetic                                  // added in version 3
};

// The categories a generator version asks, in round-robin order; throws for
// versions other than 2 and 3.
const std::vector<Category>& categories_for_version(int version);
const char* category_name(Category c);

struct Sample {
  Category category = Category::attribute;
  Image image;
  std::string question;     // without the <image> placeholder
  std::string answer;       // short: "red", "3", "yes", "B"
  std::string answer_type;  // mc | yesno | number | text
  std::string description;  // what the image shows, listed left to right (dense training target)
  std::vector<Object> objects;       // the scene's objects (empty for pattern rows and charts)
  std::vector<Bar> bars;             // a chart's bars, left to right (empty for scenes)
  std::vector<std::string> options;  // a multiple-choice question's options, A first
};

// `slot` is the sample's index among samples of the same category and split;
// it decides the stratified (balanced) variables, `rng` everything else.
Sample make_sample(Category c, uint64_t slot, Rng& rng, const Canvas& canvas);
Sample make_sample(Category c, uint64_t slot, Rng& rng, int image_size);  // free layout

}  // namespace vlsi::data::shapes
