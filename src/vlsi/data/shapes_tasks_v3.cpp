#include "vlsi/data/shapes_tasks_v3.h"

#include <algorithm>
#include <cmath>

#include "vlsi/data/shapes_bar_chart.h"
#include "vlsi/data/shapes_task_support.h"

// File-local code sits in task:: beside the shared helpers (no using-directive
// that would leak into the other files of a unity batch).
namespace vlsi::data::shapes::task {

namespace {

constexpr const char* kExtremeWord[4] = {"leftmost", "rightmost", "topmost", "bottommost"};
constexpr const char* kDirectionWords[4] = {"to the left of", "to the right of", "above", "below"};

// How far `o` lies from `ref` in direction `dir` (0 left, 1 right, 2 up, 3 down): > 0 when it lies that way.
double toward(const Object& ref, const Object& o, int dir) {
  switch (dir) {
    case 0: return ref.x - o.x;
    case 1: return o.x - ref.x;
    case 2: return ref.y - o.y;
    default: return o.y - ref.y;
  }
}

double centre_distance(const Object& a, const Object& b) { return std::hypot(a.x - b.x, a.y - b.y); }

double relational_margin(const Canvas& canvas) {
  const double tenth = 0.1 * canvas.size;
  return canvas.grid > 0 ? std::min(tenth, 0.4 * canvas.size / canvas.grid) : tenth;
}

// Two chained steps: find the referent (the extreme object of a shape, or the
// one object of a colour and shape), then the object related to it (nearest,
// or the only one in a direction). objs[0] is the referent, objs[1] the
// object asked about; the layout rules keep every comparison a clear margin
// away from a tie, on a grid as in a free layout.
Sample relational(Strata st, Rng& rng, const Canvas& canvas) {
  Sample out;
  out.answer_type = "text";
  const bool ask_colour = st.take(2) == 0;
  const int answer = st.take(ask_colour ? num_colours() : num_shapes());
  const bool nearest = st.take(2) == 0;
  const int dir = int(rng.below(4));
  const int rs = int(rng.below(num_shapes())), rc = int(rng.below(num_colours()));
  // A tenth of the image, or less on a fine grid, where cell centres are exact
  // and neighbouring distances closer (8 vs 11.3 pixels for 8-pixel cells).
  const double margin = relational_margin(canvas);
  LayoutRule rule;
  if (nearest) {
    rule = [&](const std::vector<Object>& o) {
      for (size_t j = 1; j < o.size(); ++j)
        if (o[j].kind == o[0].kind && toward(o[j], o[0], dir) < margin) return false;  // referent not extreme
      const double d = centre_distance(o[0], o[1]);
      for (size_t j = 2; j < o.size(); ++j)
        if (centre_distance(o[0], o[j]) - d < margin) return false;  // target not clearly nearest
      return true;
    };
  } else {
    rule = [&](const std::vector<Object>& o) {
      if (toward(o[0], o[1], dir) < margin) return false;
      for (size_t j = 2; j < o.size(); ++j)
        if (toward(o[0], o[j], dir) > 0) return false;  // a second object that way
      return true;
    };
  }
  scene(out, rng, canvas, [&] {
    std::vector<Object> objs;
    if (nearest) {
      objs.push_back(obj(rs, int(rng.below(num_colours()))));
      objs.push_back(ask_colour ? obj(int(rng.below(num_shapes())), answer) : obj(answer, int(rng.below(num_colours()))));
      // One or two more of the referent's shape, so finding "the leftmost" is a step.
      for (int i = 0, k = rng.range(1, 2); i < k; ++i) objs.push_back(obj(rs, int(rng.below(num_colours()))));
      for (int i = 0, k = rng.range(1, 2); i < k; ++i)
        objs.push_back(obj(other_than(rng, num_shapes(), {rs}), int(rng.below(num_colours()))));
    } else {
      // The referent is the only object of its colour and shape.
      objs.push_back(obj(rs, rc));
      if (ask_colour)
        objs.push_back(obj(answer == rc ? other_than(rng, num_shapes(), {rs}) : int(rng.below(num_shapes())), answer));
      else
        objs.push_back(obj(answer, answer == rs ? other_than(rng, num_colours(), {rc}) : int(rng.below(num_colours()))));
      for (int i = 0, k = rng.range(2, 3); i < k; ++i) {
        int c, s;
        do {
          c = int(rng.below(num_colours()));
          s = int(rng.below(num_shapes()));
        } while (c == rc && s == rs);
        objs.push_back(obj(s, c));
      }
    }
    return objs;
  }, rule);
  const std::string asked = ask_colour ? "What colour" : "What shape";
  out.question = nearest ? asked + " is the object nearest to the " + kExtremeWord[dir] + " " + sname(rs) + "?"
                         : asked + " is the object " + kDirectionWords[dir] + " the " + colour(rc) + " " + sname(rs) + "?";
  out.question += kTextHint;
  out.answer = ask_colour ? colour(answer) : sname(answer);
  return out;
}

// "Are there more red shapes than circles?": the two sets overlap (red
// circles count in both), their sizes differ by at least one. Or "Which
// colour is most frequent: red, blue or green?" with a strict winner.
Sample comparison(Strata st, Rng& rng, const Canvas& canvas) {
  Sample out;
  if (st.take(2) == 0) {
    out.answer_type = "yesno";
    const bool truth = st.take(2) == 0;
    const int c = int(rng.below(num_colours())), s = int(rng.below(num_shapes()));
    const bool colour_first = rng.coin();
    const std::vector<int> two = distinct(rng, 5, 2);
    const int big = std::max(two[0], two[1]) + 1, small = std::min(two[0], two[1]) + 1;
    const int n_first = truth ? big : small, n_second = truth ? small : big;
    const int n_colour = colour_first ? n_first : n_second, n_shape = colour_first ? n_second : n_first;
    const int both = rng.range(0, std::min({2, n_colour, n_shape}));
    scene(out, rng, canvas, [&] {
      std::vector<Object> objs;
      for (int i = 0; i < both; ++i) objs.push_back(obj(s, c));
      for (int i = both; i < n_colour; ++i) objs.push_back(obj(other_than(rng, num_shapes(), {s}), c));
      for (int i = both; i < n_shape; ++i) objs.push_back(obj(s, other_than(rng, num_colours(), {c})));
      for (int i = 0, k = rng.range(0, std::min(2, 9 - int(objs.size()))); i < k; ++i)
        objs.push_back(obj(other_than(rng, num_shapes(), {s}), other_than(rng, num_colours(), {c})));
      return objs;
    });
    const std::string by_colour = colour(c) + " shapes", by_shape = splural(s);
    out.question = "Are there more " + (colour_first ? by_colour : by_shape) + " than " +
                   (colour_first ? by_shape : by_colour) + "?" + kYesNoHint;
    out.answer = truth ? "yes" : "no";
    return out;
  }
  out.answer_type = "text";
  const int winner = st.take(num_colours());
  std::vector<int> named = distinct(rng, num_colours() - 1, 3);  // two rivals and one colour left unnamed
  for (int& c : named) c += c >= winner;
  const int m = rng.range(2, 4);
  const int r1 = rng.range(1, m - 1), r2 = rng.range(1, std::min(m - 1, 8 - m - r1));
  const int unnamed = rng.range(0, std::min(1, 9 - m - r1 - r2));  // once at most: never a rival to the winner
  scene(out, rng, canvas, [&] {
    std::vector<Object> objs;
    auto add = [&](int c, int n) {
      for (int i = 0; i < n; ++i) objs.push_back(obj(int(rng.below(num_shapes())), c));
    };
    add(winner, m);
    add(named[0], r1);
    add(named[1], r2);
    add(named[2], unnamed);
    return objs;
  });
  std::vector<int> listed = {winner, named[0], named[1]};
  rng.shuffle(listed);
  out.question = "Which colour is most frequent: " + colour(listed[0]) + ", " + colour(listed[1]) + " or " +
                 colour(listed[2]) + "?" + kTextHint;
  out.answer = colour(winner);
  return out;
}

// A bar chart as in the chart category; the answer needs two bars read and
// combined: the sum of two named bars, how much taller one named bar is than
// another, or the range (tallest minus shortest).
Sample arithmetic(Strata st, Rng& rng, const Canvas& canvas) {
  Sample out;
  out.answer_type = "number";
  const int variant = st.take(3);
  const int k = rng.range(3, 5);
  const std::vector<int> colours = distinct(rng, num_colours(), k);
  const std::vector<int> pair = distinct(rng, k, 2);  // the two bars the answer combines
  std::vector<Bar> bars(k);
  for (int i = 0; i < k; ++i) bars[i].colour = colours[i];
  int answer;
  if (variant == 0) {
    answer = st.take(11) + 2;  // 2..12
    bars[pair[0]].value = rng.range(std::max(1, answer - 6), std::min(6, answer - 1));
    bars[pair[1]].value = answer - bars[pair[0]].value;
    for (int i = 0; i < k; ++i)
      if (i != pair[0] && i != pair[1]) bars[i].value = rng.range(1, 6);
    out.question = "What is the sum of the " + colour(colours[pair[0]]) + " and " + colour(colours[pair[1]]) + " bars?";
  } else {
    answer = st.take(5) + 1;  // 1..5
    const int lo = rng.range(1, 6 - answer);
    bars[pair[0]].value = lo + answer;
    bars[pair[1]].value = lo;
    // The range question needs the pair to be the extremes; the other needs nothing of the rest.
    for (int i = 0; i < k; ++i)
      if (i != pair[0] && i != pair[1]) bars[i].value = variant == 1 ? rng.range(1, 6) : rng.range(lo, lo + answer);
    out.question = variant == 1 ? "How much taller is the " + colour(colours[pair[0]]) + " bar than the " +
                                      colour(colours[pair[1]]) + " bar?"
                                : std::string("How much taller is the tallest bar than the shortest bar?");
  }
  out.question += kNumberHint;
  out.answer = std::to_string(answer);
  out.image = draw_bar_chart(bars, canvas.size);
  out.description = describe_bars(bars);
  out.bars = std::move(bars);
  return out;
}

}  // namespace

}  // namespace vlsi::data::shapes::task

namespace vlsi::data::shapes {

Sample relational_sample(uint64_t slot, Rng& rng, const Canvas& canvas) {
  return task::relational(task::Strata{slot}, rng, canvas);
}
Sample comparison_sample(uint64_t slot, Rng& rng, const Canvas& canvas) {
  return task::comparison(task::Strata{slot}, rng, canvas);
}
Sample arithmetic_sample(uint64_t slot, Rng& rng, const Canvas& canvas) {
  return task::arithmetic(task::Strata{slot}, rng, canvas);
}

}  // namespace vlsi::data::shapes
