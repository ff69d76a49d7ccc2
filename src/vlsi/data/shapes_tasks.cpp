#include "vlsi/data/shapes_tasks.h"

#include <algorithm>
#include <cmath>

#include "vlsi/data/shapes_bar_chart.h"
#include "vlsi/data/shapes_scene.h"
#include "vlsi/data/shapes_task_support.h"
#include "vlsi/data/shapes_tasks_v3.h"
#include "vlsi/io/error.h"

namespace vlsi::data::shapes {

const std::vector<Category>& categories_for_version(int version) {
  // Version 2's seven in their order (its round-robin, so its files, depend on
  // it); version 3 appends the multi-step categories.
  static const std::vector<Category> v2 = {Category::attribute, Category::counting, Category::spatial,
                                           Category::existence, Category::pattern,  Category::chart,
                                           Category::reasoning};
  static const std::vector<Category> v3 = [] {
    std::vector<Category> c = v2;
    c.insert(c.end(), {Category::relational, Category::comparison, Category::arithmetic});
    return c;
  }();
  check(version == 2 || version == 3, "shapes: version must be 2 or 3, got ", version);
  return version == 2 ? v2 : v3;
}

const char* category_name(Category c) {
  switch (c) {
    case Category::attribute: return "attribute";
    case Category::counting: return "counting";
    case Category::spatial: return "spatial";
    case Category::existence: return "existence";
    case Category::pattern: return "pattern";
    case Category::chart: return "chart";
    case Category::reasoning: return "reasoning";
    case Category::relational: return "relational";
    case Category::comparison: return "comparison";
    case Category::arithmetic: return "arithmetic";
  }
  return "?";
}

// File-local code sits in task:: beside the shared helpers (no using-directive
// that would leak into the other files of a unity batch).
namespace task {

namespace {

Sample attribute(Strata st, Rng& rng, const Canvas& canvas) {
  Sample out;
  out.answer_type = "text";
  const bool ask_colour = st.take(2) == 0;
  const int c = ask_colour ? st.take(num_colours()) : int(rng.below(num_colours()));
  const int s = ask_colour ? int(rng.below(num_shapes())) : st.take(num_shapes());
  scene(out, rng, canvas, [&] {
    std::vector<Object> objs{obj(s, c)};
    // The asked-about attribute is unique to the target; the other one is free.
    for (int i = 0, k = rng.range(1, 4); i < k; ++i)
      objs.push_back(ask_colour ? obj(other_than(rng, num_shapes(), {s}), int(rng.below(num_colours())))
                                : obj(int(rng.below(num_shapes())), other_than(rng, num_colours(), {c})));
    return objs;
  });
  out.question = ask_colour ? "What colour is the " + sname(s) + "?" : "What shape is the " + colour(c) + " object?";
  out.question += kTextHint;
  out.answer = ask_colour ? colour(c) : sname(s);
  return out;
}

Sample counting(Strata st, Rng& rng, const Canvas& canvas) {
  Sample out;
  out.answer_type = "number";
  const int variant = st.take(3);  // by shape, by colour, by both
  const int n = st.take(6) + 1;
  const int c = int(rng.below(num_colours())), s = int(rng.below(num_shapes()));
  scene(out, rng, canvas, [&] {
    std::vector<Object> objs;
    for (int i = 0; i < n; ++i) {
      int oc = variant == 0 ? int(rng.below(num_colours())) : c;
      int os = variant == 1 ? int(rng.below(num_shapes())) : s;
      objs.push_back(obj(os, oc));
    }
    for (int i = 0, k = rng.range(1, std::min(4, 9 - n)); i < k; ++i) {
      if (variant == 0) objs.push_back(obj(other_than(rng, num_shapes(), {s}), int(rng.below(num_colours()))));
      else if (variant == 1) objs.push_back(obj(int(rng.below(num_shapes())), other_than(rng, num_colours(), {c})));
      else if (rng.coin()) objs.push_back(obj(s, other_than(rng, num_colours(), {c})));  // near misses
      else objs.push_back(obj(other_than(rng, num_shapes(), {s}), c));
    }
    return objs;
  });
  if (variant == 0) out.question = "How many " + splural(s) + " are there?";
  else if (variant == 1) out.question = "How many " + colour(c) + " shapes are there?";
  else out.question = "How many " + colour(c) + " " + splural(s) + " are there?";
  out.question += kNumberHint;
  out.answer = std::to_string(n);
  return out;
}

Sample spatial(Strata st, Rng& rng, const Canvas& canvas) {
  const int size = canvas.size;
  Sample out;
  out.answer_type = "yesno";
  const bool truth = st.take(2) == 0;
  const int rel = st.take(4);  // left of, right of, above, below
  // The pair differs in colour, in shape, or in both: binding both matters.
  const int ca = int(rng.below(num_colours())), sa = int(rng.below(num_shapes()));
  int cb = ca, sb = sa;
  switch (rng.below(3)) {
    case 0: cb = other_than(rng, num_colours(), {ca}); break;
    case 1: sb = other_than(rng, num_shapes(), {sa}); break;
    default: cb = other_than(rng, num_colours(), {ca}); sb = other_than(rng, num_shapes(), {sa}); break;
  }
  const double min_sep = 0.2 * size;
  LayoutRule rule = [&](const std::vector<Object>& o) {
    double d = rel < 2 ? o[1].x - o[0].x : o[1].y - o[0].y;  // > 0: A left of / above B
    if (std::fabs(d) < min_sep) return false;
    bool holds = (rel == 0 || rel == 2) ? d > 0 : d < 0;
    return holds == truth;
  };
  scene(out, rng, canvas, [&] {
    std::vector<Object> objs{obj(sa, ca), obj(sb, cb)};
    for (int i = 0, k = rng.range(0, 3); i < k; ++i) {
      int c, s;
      do {
        c = int(rng.below(num_colours()));
        s = int(rng.below(num_shapes()));
      } while ((c == ca && s == sa) || (c == cb && s == sb));
      objs.push_back(obj(s, c));
    }
    return objs;
  }, rule);
  static const char* kRel[4] = {"left of", "right of", "above", "below"};
  out.question = "Is the " + colour(ca) + " " + sname(sa) + " " + kRel[rel] + " the " + colour(cb) + " " + sname(sb) +
                 "?" + kYesNoHint;
  out.answer = truth ? "yes" : "no";
  return out;
}

Sample existence(Strata st, Rng& rng, const Canvas& canvas) {
  Sample out;
  out.answer_type = "yesno";
  const bool truth = st.take(2) == 0;
  const int c = int(rng.below(num_colours())), s = int(rng.below(num_shapes()));
  scene(out, rng, canvas, [&] {
    // Adversarial negatives (POPE): the colour and the shape are both present,
    // just never together. Positives get the same near misses, and the object
    // count has the same range either way.
    std::vector<Object> objs{obj(other_than(rng, num_shapes(), {s}), c), obj(s, other_than(rng, num_colours(), {c}))};
    if (truth) objs.push_back(obj(s, c));
    for (int i = 0, k = truth ? rng.range(0, 2) : rng.range(1, 3); i < k; ++i) {
      int oc, os;
      do {
        oc = int(rng.below(num_colours()));
        os = int(rng.below(num_shapes()));
      } while (oc == c && os == s);
      objs.push_back(obj(os, oc));
    }
    rng.shuffle(objs);
    return objs;
  });
  out.question = "Is there " + with_article(colour(c) + " " + sname(s)) + " in the image?" + kYesNoHint;
  out.answer = truth ? "yes" : "no";
  return out;
}

Sample pattern(Strata st, Rng& rng, const Canvas& canvas) {
  const int size = canvas.size;
  Sample out;
  out.answer_type = "mc";
  const int rule = st.take(3);  // colour cycle, shape cycle, size change
  const int letter = st.take(4);
  const double cell = size / 5.0, cy = size / 2.0;
  std::vector<Object> row(5);
  // Options are a 2x2 grid over two attributes (right/wrong value of each),
  // so no option stands out by sharing more words with the others.
  std::string a_right, a_wrong, b_right, b_wrong;
  if (rule == 0 || rule == 1) {
    const bool colours = rule == 0;
    const int p = rng.range(2, 3);
    std::vector<int> cycle = distinct(rng, colours ? num_colours() : num_shapes(), p);
    const int fixed = int(rng.below(colours ? num_shapes() : num_colours()));
    for (int i = 0; i < 5; ++i) {
      row[i] = colours ? obj(fixed, cycle[i % p]) : obj(cycle[i % p], fixed);
      row[i].r = cell * 0.36;
    }
    const int next = cycle[4 % p];
    const int wrong = cycle[(4 % p + 1 + (p == 3 ? int(rng.below(2)) : 0)) % p];  // also in the row
    const int fixed_wrong = other_than(rng, colours ? num_shapes() : num_colours(), {fixed});
    if (colours) {
      a_right = colour(next), a_wrong = colour(wrong), b_right = sname(fixed), b_wrong = sname(fixed_wrong);
    } else {
      a_right = colour(fixed), a_wrong = colour(fixed_wrong), b_right = sname(next), b_wrong = sname(wrong);
    }
  } else {
    const bool grow = st.take(2) == 0;
    const int c = int(rng.below(num_colours())), s = int(rng.below(num_shapes()));
    const double rmin = cell * 0.14, rmax = cell * 0.38;
    for (int i = 0; i < 5; ++i) {
      row[i] = obj(s, c);
      row[i].r = grow ? rmin + i * (rmax - rmin) / 4 : rmax - i * (rmax - rmin) / 4;
    }
    a_right = grow ? "larger" : "smaller";
    a_wrong = grow ? "smaller" : "larger";
    if (rng.coin()) {
      b_right = colour(c) + " " + sname(s);
      b_wrong = colour(other_than(rng, num_colours(), {c})) + " " + sname(s);
    } else {
      b_right = colour(c) + " " + sname(s);
      b_wrong = colour(c) + " " + sname(other_than(rng, num_shapes(), {s}));
    }
  }
  std::vector<std::string> wrong_options = {a_right + " " + b_wrong, a_wrong + " " + b_right, a_wrong + " " + b_wrong};
  rng.shuffle(wrong_options);
  std::vector<std::string> options;
  for (int i = 0, w = 0; i < 4; ++i) options.push_back(i == letter ? a_right + " " + b_right : wrong_options[w++]);

  Image img(size, size);
  fill(img, kBackground);
  for (int i = 0; i < 4; ++i) draw_shape(img, row[i].kind, (i + 0.5) * cell, cy, row[i].r, palette()[row[i].colour].rgb);
  draw_question_mark(img, 4.5 * cell, cy, cell * 0.8, Rgb{60, 60, 60});
  out.image = std::move(img);
  out.description = describe_objects({row.begin(), row.begin() + 4});
  if (rule == 2) out.description += row[0].r < row[1].r ? ", getting larger" : ", getting smaller";
  out.options = options;
  out.question = "The shapes in the row follow a pattern. Which shape belongs where the question mark is?";
  for (int i = 0; i < 4; ++i) out.question += std::string("\n") + char('A' + i) + ". " + options[i];
  out.question += std::string("\n") + kLetterHint;
  out.answer = std::string(1, char('A' + letter));
  return out;
}

Sample chart(Strata st, Rng& rng, const Canvas& canvas) {
  const int size = canvas.size;
  Sample out;
  const int variant = st.take(4);  // 0,1: value of a bar; 2: tallest; 3: shortest
  const int k = rng.range(3, 5);
  std::vector<int> colours, values(k);
  std::string question;
  if (variant < 2) {
    colours = distinct(rng, num_colours(), k);
    const int t = int(rng.below(k));
    for (int i = 0; i < k; ++i) values[i] = i == t ? st.take(6) + 1 : rng.range(1, 6);
    out.answer_type = "number";
    out.answer = std::to_string(values[t]);
    question = "What is the value of the " + colour(colours[t]) + " bar?" + kNumberHint;
  } else {
    const bool tallest = variant == 2;
    const int target = st.take(num_colours());
    colours = distinct(rng, num_colours() - 1, k - 1);
    for (int& c : colours) c += c >= target;  // skip the target colour
    colours.push_back(target);
    rng.shuffle(colours);
    const int v = tallest ? rng.range(2, 6) : rng.range(1, 5);
    for (int i = 0; i < k; ++i)
      values[i] = colours[i] == target ? v : (tallest ? rng.range(1, v - 1) : rng.range(v + 1, 6));
    out.answer_type = "text";
    out.answer = colour(target);
    question = std::string("Which bar is the ") + (tallest ? "tallest" : "shortest") + "? Answer with its colour.";
  }
  std::vector<Bar> bars(k);
  for (int i = 0; i < k; ++i) bars[i] = Bar{colours[i], values[i]};
  out.image = draw_bar_chart(bars, size);
  out.description = describe_bars(bars);
  out.bars = std::move(bars);
  out.question = question;
  return out;
}

Sample reasoning(Strata st, Rng& rng, const Canvas& canvas) {
  Sample out;
  out.answer_type = "number";
  const int variant = st.take(2);  // difference of two counts; same colour as a named shape
  const int d = st.take(4) + 1;
  if (variant == 0) {
    const bool by_colour = rng.coin();
    const int n = by_colour ? num_colours() : num_shapes();
    const std::vector<int> xy = distinct(rng, n, 2);
    const int ny = rng.range(1, 2), nx = ny + d;
    scene(out, rng, canvas, [&] {
      std::vector<Object> objs;
      auto add = [&](int attr) {
        objs.push_back(by_colour ? obj(int(rng.below(num_shapes())), attr) : obj(attr, int(rng.below(num_colours()))));
      };
      for (int i = 0; i < nx; ++i) add(xy[0]);
      for (int i = 0; i < ny; ++i) add(xy[1]);
      for (int i = 0, k = rng.range(0, std::min(2, 9 - nx - ny)); i < k; ++i) add(other_than(rng, n, {xy[0], xy[1]}));
      return objs;
    });
    out.question = by_colour ? "How many more " + colour(xy[0]) + " shapes than " + colour(xy[1]) + " shapes are there?"
                             : "How many more " + splural(xy[0]) + " than " + splural(xy[1]) + " are there?";
  } else {
    const int s = int(rng.below(num_shapes())), c = int(rng.below(num_colours()));
    scene(out, rng, canvas, [&] {
      std::vector<Object> objs{obj(s, c)};
      for (int i = 0; i < d; ++i) objs.push_back(obj(other_than(rng, num_shapes(), {s}), c));
      for (int i = 0, k = rng.range(1, 3); i < k; ++i)
        objs.push_back(obj(other_than(rng, num_shapes(), {s}), other_than(rng, num_colours(), {c})));
      return objs;
    });
    out.question = "How many other shapes have the same colour as the " + sname(s) + "?";
  }
  out.question += kNumberHint;
  out.answer = std::to_string(d);
  return out;
}

}  // namespace

}  // namespace task

Sample make_sample(Category c, uint64_t slot, Rng& rng, int image_size) {
  return make_sample(c, slot, rng, Canvas{image_size, 0});
}

Sample make_sample(Category c, uint64_t slot, Rng& rng, const Canvas& canvas) {
  const int image_size = canvas.size;
  check(image_size >= 32, "shapes: image size must be at least 32 pixels, got ", image_size);
  check(canvas.grid >= 0 && canvas.grid <= image_size / 8, "shapes: grid must be 0 (free layout) or 1..", image_size / 8,
        " cells per side at image size ", image_size, ", got ", canvas.grid);
  task::Strata st{slot};
  Sample s;
  switch (c) {
    case Category::attribute: s = task::attribute(st, rng, canvas); break;
    case Category::counting: s = task::counting(st, rng, canvas); break;
    case Category::spatial: s = task::spatial(st, rng, canvas); break;
    case Category::existence: s = task::existence(st, rng, canvas); break;
    case Category::pattern: s = task::pattern(st, rng, canvas); break;
    case Category::chart: s = task::chart(st, rng, canvas); break;
    case Category::reasoning: s = task::reasoning(st, rng, canvas); break;
    case Category::relational: s = relational_sample(slot, rng, canvas); break;
    case Category::comparison: s = comparison_sample(slot, rng, canvas); break;
    case Category::arithmetic: s = arithmetic_sample(slot, rng, canvas); break;
  }
  s.category = c;
  return s;
}

}  // namespace vlsi::data::shapes
