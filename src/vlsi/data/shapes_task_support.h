#pragma once
// Internal to the shapes task generators (shapes_tasks.cpp, shapes_tasks_v3.cpp):
// the slot strata, answer hints and scene helpers both files draw with. Inline
// and in a named namespace, so unity batches holding both files see one copy.
#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "vlsi/data/rng.h"
#include "vlsi/data/shapes_draw.h"
#include "vlsi/data/shapes_scene.h"
#include "vlsi/data/shapes_tasks.h"
#include "vlsi/io/error.h"

namespace vlsi::data::shapes::task {

inline constexpr const char* kTextHint = " Answer with one word.";
inline constexpr const char* kNumberHint = " Answer with a number.";
inline constexpr const char* kYesNoHint = " Answer yes or no.";
inline constexpr const char* kLetterHint = "Answer with the option's letter.";

// Mixed-radix digits of the slot: consecutive slots walk through every
// combination, so each stratified variable is uniform within a category.
struct Strata {
  uint64_t slot;
  int take(int n) {
    int v = int(slot % uint64_t(n));
    slot /= uint64_t(n);
    return v;
  }
};

inline int num_colours() { return int(palette().size()); }
inline int num_shapes() { return int(all_shapes().size()); }
inline const std::string& colour(int c) { return palette()[c].name; }
inline ShapeKind shape(int s) { return all_shapes()[s]; }
inline std::string sname(int s) { return shape_name(shape(s)); }
inline std::string splural(int s) { return shape_plural(shape(s)); }
inline std::string with_article(const std::string& phrase) {
  return (std::string("aeiou").find(phrase[0]) != std::string::npos ? "an " : "a ") + phrase;
}

// Uniform in [0, n) but not in `exclude`.
inline int other_than(Rng& rng, int n, std::initializer_list<int> exclude) {
  std::vector<int> pool;
  for (int i = 0; i < n; ++i)
    if (std::find(exclude.begin(), exclude.end(), i) == exclude.end()) pool.push_back(i);
  return rng.pick(pool);
}

// `k` distinct values in [0, n) in random order.
inline std::vector<int> distinct(Rng& rng, int n, int k) {
  std::vector<int> all(n);
  for (int i = 0; i < n; ++i) all[i] = i;
  rng.shuffle(all);
  all.resize(k);
  return all;
}

inline Object obj(int s, int c) {
  Object o;
  o.kind = shape(s);
  o.colour = c;
  return o;
}

// Retries `compose` (which draws a fresh object list) until a layout fits;
// fills the sample's image and description.
template <typename Compose>
void scene(Sample& out, Rng& rng, const Canvas& canvas, Compose compose, const LayoutRule& rule = nullptr) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    std::vector<Object> objs = compose();
    if (layout_objects(objs, rng, canvas, rule)) {
      out.image = render_objects(objs, canvas.size);
      out.objects = objs;
      out.description = describe_objects(std::move(objs));
      return;
    }
  }
  fail("shapes: no layout found for a scene at image size ", canvas.size, " and grid ", canvas.grid,
       " (image too small, or fewer grid cells than objects?)");
}

}  // namespace vlsi::data::shapes::task
