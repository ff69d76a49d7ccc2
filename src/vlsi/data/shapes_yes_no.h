#pragma once
// Yes/no questions about a shapes scene, read off its objects: MME-style
// pairs (one question answered "yes", one "no", about the same image) and
// POPE-style object-presence probes.
#include <string>
#include <vector>

#include "vlsi/data/rng.h"
#include "vlsi/data/shapes_scene.h"

namespace vlsi::data::shapes {

struct YesNoPair {
  std::string category;   // MME's: existence, count, color or position
  std::string yes, no;    // the questions, each ending in " Please answer yes or no."
};

// The pair of `preferred` category (cycled onwards when the scene does not
// allow it, e.g. position needs two objects far enough apart). `objects` must
// not be empty; `image_size` is the scene's width.
YesNoPair make_yes_no_pair(const std::vector<Object>& objects, int image_size, int preferred, Rng& rng);
inline constexpr int kYesNoCategories = 4;

// POPE's negative sampling, on (colour, shape) objects: "random" (any absent
// object), "popular" (the absent object most frequent in the whole split,
// `frequency` indexed colour * shapes + shape), "adversarial" (an absent
// object whose colour and shape both occur in the image, POPE's co-occurring
// objects; random when there is none).
int object_id(const Object& o);  // colour * shapes + shape, for `frequency`
int object_ids();
std::vector<std::string> pope_splits();  // adversarial, popular, random
std::string pope_absent_object(const std::vector<Object>& objects, const std::string& split,
                               const std::vector<int>& frequency, Rng& rng);
std::string pope_present_object(const std::vector<Object>& objects, Rng& rng);
// "Is there a red circle in the image?"
std::string presence_question(const std::string& object);

}  // namespace vlsi::data::shapes
