#include "vlsi/data/shapes_yes_no.h"

#include <algorithm>
#include <cmath>

#include "vlsi/io/error.h"

namespace vlsi::data::shapes {

namespace {

constexpr const char* kAnswerHint = " Please answer yes or no.";

int colours() { return int(palette().size()); }
int shapes() { return int(all_shapes().size()); }
int shape_index(ShapeKind k) { return int(std::find(all_shapes().begin(), all_shapes().end(), k) - all_shapes().begin()); }
std::string name_of(int colour, int shape) { return palette()[colour].name + " " + shape_name(all_shapes()[shape]); }
std::string name_of(const Object& o) { return name_of(o.colour, shape_index(o.kind)); }
std::string article(const std::string& phrase) {
  return (std::string("aeiou").find(phrase[0]) != std::string::npos ? "an " : "a ") + phrase;
}

bool present(const std::vector<Object>& objs, int colour, int shape) {
  return std::any_of(objs.begin(), objs.end(), [&](const Object& o) { return o.colour == colour && shape_index(o.kind) == shape; });
}
bool colour_present(const std::vector<Object>& objs, int colour) {
  return std::any_of(objs.begin(), objs.end(), [&](const Object& o) { return o.colour == colour; });
}
bool shape_present(const std::vector<Object>& objs, int shape) {
  return std::any_of(objs.begin(), objs.end(), [&](const Object& o) { return shape_index(o.kind) == shape; });
}
int shape_count(const std::vector<Object>& objs, ShapeKind k) {
  return int(std::count_if(objs.begin(), objs.end(), [&](const Object& o) { return o.kind == k; }));
}
// Objects no other object shares colour and shape with: a name picks them out.
std::vector<Object> nameable(const std::vector<Object>& objs) {
  std::vector<Object> out;
  for (const auto& o : objs)
    if (std::count_if(objs.begin(), objs.end(), [&](const Object& p) { return p.colour == o.colour && p.kind == o.kind; }) == 1)
      out.push_back(o);
  return out;
}

// Absent (colour, shape) objects; `near` keeps those whose colour and shape both occur.
std::vector<std::pair<int, int>> absent(const std::vector<Object>& objs, bool near) {
  std::vector<std::pair<int, int>> out;
  for (int c = 0; c < colours(); ++c)
    for (int s = 0; s < shapes(); ++s)
      if (!present(objs, c, s) && (!near || (colour_present(objs, c) && shape_present(objs, s)))) out.push_back({c, s});
  return out;
}

bool try_pair(int category, const std::vector<Object>& objs, int size, Rng& rng, YesNoPair& pair) {
  switch (category) {
    case 0: {  // existence
      auto negatives = absent(objs, true);
      if (negatives.empty()) negatives = absent(objs, false);
      const auto [c, s] = rng.pick(negatives);
      pair = {"existence", presence_question(name_of(rng.pick(objs))), presence_question(name_of(c, s))};
      return true;
    }
    case 1: {  // count
      const ShapeKind k = rng.pick(objs).kind;
      const int n = shape_count(objs, k);
      const int wrong = n > 1 && rng.coin() ? n - 1 : n + 1;
      auto q = [&](int v) { return "Is the number of " + std::string(shape_plural(k)) + " in the image " + std::to_string(v) + "?"; };
      pair = {"count", q(n), q(wrong)};
      return true;
    }
    case 2: {  // color: about a shape the scene has once
      std::vector<Object> single;
      for (const auto& o : objs)
        if (shape_count(objs, o.kind) == 1) single.push_back(o);
      if (single.empty()) return false;
      const Object o = rng.pick(single);
      std::vector<int> others;
      for (int c = 0; c < colours(); ++c)
        if (c != o.colour) others.push_back(c);
      const std::string shape = shape_name(o.kind);
      pair = {"color", "Is the " + shape + " " + palette()[o.colour].name + "?",
              "Is the " + shape + " " + palette()[rng.pick(others)].name + "?"};
      return true;
    }
    default: {  // position: two nameable objects clearly apart left to right
      const std::vector<Object> named = nameable(objs);
      std::vector<std::pair<Object, Object>> apart;
      for (const auto& a : named)
        for (const auto& b : named)
          if (b.x - a.x >= 0.2 * size) apart.push_back({a, b});
      if (apart.empty()) return false;
      const auto& chosen = rng.pick(apart);
      Object left = chosen.first, right = chosen.second;
      if (rng.coin()) std::swap(left, right);  // ask about either object first
      const bool is_left = left.x < right.x;
      auto q = [&](bool say_left) {
        return "Is the " + name_of(left) + " to the " + (say_left ? "left" : "right") + " of the " + name_of(right) + "?";
      };
      pair = {"position", q(is_left), q(!is_left)};
      return true;
    }
  }
}

}  // namespace

YesNoPair make_yes_no_pair(const std::vector<Object>& objects, int image_size, int preferred, Rng& rng) {
  check(!objects.empty(), "shapes: a yes/no pair needs a scene with objects");
  YesNoPair pair;
  for (int k = 0; k < kYesNoCategories; ++k)
    if (try_pair((preferred + k) % kYesNoCategories, objects, image_size, rng, pair)) break;
  pair.yes += kAnswerHint;
  pair.no += kAnswerHint;
  return pair;
}

int object_id(const Object& o) { return o.colour * shapes() + shape_index(o.kind); }
int object_ids() { return colours() * shapes(); }

std::vector<std::string> pope_splits() { return {"adversarial", "popular", "random"}; }

std::string pope_absent_object(const std::vector<Object>& objects, const std::string& split,
                               const std::vector<int>& frequency, Rng& rng) {
  auto all = absent(objects, false);
  check(!all.empty(), "shapes: a scene shows every object there is");
  if (split == "popular") {
    auto most = std::max_element(all.begin(), all.end(), [&](auto& a, auto& b) {
      return frequency[size_t(a.first * shapes() + a.second)] < frequency[size_t(b.first * shapes() + b.second)];
    });
    return name_of(most->first, most->second);
  }
  auto near = absent(objects, true);
  const auto [c, s] = rng.pick(split == "adversarial" && !near.empty() ? near : all);
  return name_of(c, s);
}

std::string pope_present_object(const std::vector<Object>& objects, Rng& rng) { return name_of(rng.pick(objects)); }

std::string presence_question(const std::string& object) { return "Is there " + article(object) + " in the image?"; }

}  // namespace vlsi::data::shapes
