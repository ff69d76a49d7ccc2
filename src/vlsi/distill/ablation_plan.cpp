#include "vlsi/distill/ablation_plan.h"

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <sstream>

#include "vlsi/distill/recipe.h"
#include "vlsi/io/json_util.h"
#include "vlsi/train/config_change.h"

namespace vlsi::distill {
using io::json;
namespace {

// FNV-1a: a stable short name for a shared step-1 config (std::hash may differ between builds).
std::string short_hash(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08" PRIx64, h >> 32);
  return buf;
}

std::string seed_folder(int64_t seed) { return "seed-" + std::to_string(seed); }

// Validates the "grids" array: names unique and usable in folder names, labels unique per grid.
void check_grids(const json& grids, const std::string& where) {
  check(grids.is_array() && !grids.empty(), where, ": field 'grids': expected a non-empty array of ",
        "{\"name\", \"title\", \"settings\"}");
  std::vector<std::string> names;
  for (const json& g : grids) {
    io::merge_with_defaults({{"name", ""}, {"title", ""}, {"reference", ""}, {"settings", json::array()}}, g,
                            where + ": grids[]");
    auto name = io::get_field<std::string>(g, "name", where + ": grids[]");
    check(!name.empty() && label_slug(name) == name, where, ": grid '", name,
          "': expected a name of lower-case letters, digits and '-'");
    for (auto& n : names) check(n != name, where, ": grid '", name, "' is defined twice");
    names.push_back(name);
    const std::string gw = where + ": grid '" + name + "'";
    const json& settings = io::get_field<json>(g, "settings", gw);
    check(settings.is_array() && !settings.empty(), gw, ": field 'settings': expected a non-empty array");
    std::vector<std::string> labels;
    for (const json& s : settings) {
      io::merge_with_defaults({{"label", ""}, {"set", json::array()}, {"eval_set", json::array()}}, s, gw + ": setting");
      auto label = io::get_field<std::string>(s, "label", gw + ": setting");
      check(!label_slug(label).empty(), gw, ": a setting needs a label with a letter or digit");
      for (auto& l : labels) check(l != label, gw, ": setting '", label, "' is defined twice");
      labels.push_back(label);
      io::get_or<std::vector<std::string>>(s, "set", {}, gw + ": setting '" + label + "'");
      io::get_or<std::vector<std::string>>(s, "eval_set", {}, gw + ": setting '" + label + "'");
    }
    const std::string reference = io::get_or<std::string>(g, "reference", "", gw);
    check(reference.empty() || std::find(labels.begin(), labels.end(), reference) != labels.end(), gw,
          ": field 'reference': expected the label of one of the grid's settings, got '", reference, "'");
  }
}

void check_eval(const json& e, const std::string& where) {
  check(!io::get_field<std::string>(e, "data", where).empty(), where,
        ": field 'data': expected the evaluation dataset (a folder with SPLIT.jsonl, or a file)");
  io::get_field<std::string>(e, "split", where);
  io::get_field<std::string>(e, "images", where);
  check(io::get_field<int64_t>(e, "batch_size", where) > 0, where, ": field 'batch_size': expected > 0");
  check(io::get_field<int64_t>(e, "max_new_tokens", where) > 0, where, ": field 'max_new_tokens': expected > 0");
  check(io::get_field<int64_t>(e, "beams", where) >= 1, where, ": field 'beams': expected >= 1 (1 = greedy)");
  check(io::get_field<int64_t>(e, "limit", where) >= 0, where, ": field 'limit': expected >= 0 (0 = all)");
  check(io::get_field<int64_t>(e, "threads", where) >= 0, where, ": field 'threads': expected >= 0 (0 = all)");
}

// Builds the plan step by step: runs, evaluations and shared step-1 runs, each found
// again by its exact content so identical work is planned once.
class Planner {
 public:
  explicit Planner(AblationPlan& plan) : plan_(plan) {}

  // The run of `recipes` (one resolved recipe per seed, out removed): an existing
  // identical one or a new one named after `label`.
  size_t run_for(const std::vector<json>& recipes, const std::string& label) {
    const json key = recipes;  // compared as values: 1 and 1.0 are the same setting
    for (size_t i = 0; i < run_keys_.size(); ++i)
      if (run_keys_[i] == key) return i;
    AblationRun run;
    run.slug = unique_slug(label);
    run.label = label;
    for (size_t k = 0; k < recipes.size(); ++k) {
      json r = recipes[k];
      r["out"] = plan_.out + "/runs/" + run.slug + "/" + seed_folder(plan_.seeds[k]);
      share_step1(r, plan_.seeds[k]);
      run.recipes.push_back(r);
    }
    plan_.runs.push_back(run);
    run_keys_.push_back(key);
    return plan_.runs.size() - 1;
  }

  size_t eval_for(size_t run, const json& spec, const std::string& label) {
    std::string name = spec == plan_.config["eval"] ? "eval" : "eval-" + label_slug(label);
    for (size_t i = 0; i < plan_.evals.size(); ++i) {
      const AblationEval& e = plan_.evals[i];
      if (e.run != run) continue;
      if (e.spec == spec) return i;
      check(e.name != name, "settings '", label, "' and '", e.label,
            "' evaluate one run differently under one folder name; rename one");
    }
    plan_.evals.push_back({run, name, label, spec});
    return plan_.evals.size() - 1;
  }

 private:
  std::string unique_slug(const std::string& label) {
    std::string base = label_slug(label), slug = base;
    for (int n = 2;; ++n) {
      bool taken = false;
      for (auto& r : plan_.runs) taken = taken || r.slug == slug;
      if (!taken) return slug;
      slug = base + "-" + std::to_string(n);
    }
  }

  // Points the recipe's verbalizers at a shared step-1 run of its exact step-1 config.
  void share_step1(json& recipe, int64_t seed) {
    json stages = distill_stage_configs(recipe);  // also validates the whole variant
    for (const char* side : {"teacher", "student"}) {
      const std::string stage = std::string("verbalize_") + side;
      if (!stages.contains(stage)) continue;  // the base recipe brings prepared verbalizers
      json c = stages[stage];
      c.erase("out");
      // Of everything but the folder itself, as an older vlsi wrote it, so its shared runs are found.
      const std::string hash = short_hash(train::without_later_fields_at_old_behaviour(c).dump());
      c["out"] = plan_.out + "/shared/" + seed_folder(seed) + "/" + stage + "-" + hash;
      bool known = false;
      for (auto& s : plan_.shared) known = known || s.config == c;
      if (!known) plan_.shared.push_back({stage, seed, c});
      recipe[side]["verbalizers"] = c["out"].get<std::string>() + "/verbalizers";
    }
  }

  AblationPlan& plan_;
  std::vector<json> run_keys_;
};

// The part of a plan that the grids named in `names` need. Planning every grid first
// keeps folder names independent of --grid, so a partial ablation and a later full
// one share their finished runs.
AblationPlan keep_grids(const AblationPlan& full, const std::vector<std::string>& names) {
  AblationPlan kept;
  kept.config = full.config;
  kept.out = full.out;
  kept.seeds = full.seeds;
  std::map<size_t, size_t> run_index, eval_index;  // full plan -> kept plan
  for (const auto& grid : full.grids) {
    if (std::find(names.begin(), names.end(), grid.name) == names.end()) continue;
    AblationGrid g{grid.name, grid.title, {}};
    for (size_t i : grid.settings) {
      if (i == grid.reference) g.reference = kept.settings.size();
      AblationSetting s = full.settings[i];
      if (!run_index.count(s.run)) {
        run_index[s.run] = kept.runs.size();
        kept.runs.push_back(full.runs[s.run]);
        kept.runs.back().label = s.label;  // progress lines name a setting of the grids run
      }
      if (!eval_index.count(s.eval)) {
        eval_index[s.eval] = kept.evals.size();
        kept.evals.push_back(full.evals[s.eval]);
        kept.evals.back().run = run_index[s.run];
        kept.evals.back().label = s.label;
      }
      s.run = run_index[s.run];
      s.eval = eval_index[s.eval];
      g.settings.push_back(kept.settings.size());
      kept.settings.push_back(s);
    }
    kept.grids.push_back(g);
  }
  for (const auto& shared : full.shared) {
    const std::string side = shared.stage == "verbalize_teacher" ? "teacher" : "student";
    const json used = shared.config["out"].get<std::string>() + "/verbalizers";
    bool needed = false;
    for (const auto& run : kept.runs)
      for (const auto& recipe : run.recipes) needed = needed || recipe[side]["verbalizers"] == used;
    if (needed) kept.shared.push_back(shared);
  }
  return kept;
}

}  // namespace

std::string label_slug(const std::string& label) {
  std::string s;
  for (unsigned char c : label) {
    if (std::isalnum(c)) s += char(std::tolower(c));
    else if (!s.empty() && s.back() != '-') s += '-';
  }
  while (!s.empty() && s.back() == '-') s.pop_back();
  return s;
}

void set_all_seeds(json& j, int64_t seed) {
  if (j.is_array()) {
    for (auto& e : j) set_all_seeds(e, seed);
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "seed" && it.value().is_number_integer()) it.value() = seed;
      else set_all_seeds(it.value(), seed);
    }
  }
}

json ablation_eval_defaults() {
  return {{"data", ""}, {"split", "test"},  {"images", ""}, {"batch_size", 64}, {"max_new_tokens", 8},
          {"beams", 1}, {"limit", 0},       {"threads", 0}};
}

json ablation_defaults() {
  return {{"out", "runs/ablate"},
          {"seeds", 3},
          {"recipe", json::object()},  // an empty default object is taken whole by merge_with_defaults
          {"eval", ablation_eval_defaults()},
          {"grids", json::array()}};
}

json resolve_ablation_config(const json& content, const std::vector<std::string>& overrides, const std::string& where) {
  json cfg = io::merge_with_defaults(ablation_defaults(), content, where);
  if (cfg["recipe"].is_string()) cfg["recipe"] = io::read_json_file(cfg["recipe"].get<std::string>());
  // Merged (not validated against the model folders yet) so overrides can reach every recipe field.
  cfg["recipe"] = io::merge_with_defaults(distill_defaults(), cfg["recipe"], where + ": recipe");
  io::apply_overrides(cfg, overrides);
  check(io::get_field<int64_t>(cfg, "seeds", where) >= 1, where, ": field 'seeds': expected >= 1");
  io::get_field<std::string>(cfg, "out", where);
  check_eval(cfg["eval"], where + ": eval");
  check_grids(cfg["grids"], where);
  return cfg;
}

std::string AblationPlan::run_dir(size_t run, size_t seed_index) const {
  return out + "/runs/" + runs.at(run).slug + "/" + seed_folder(seeds.at(seed_index));
}

std::string AblationPlan::eval_dir(size_t eval, size_t seed_index) const {
  return run_dir(evals.at(eval).run, seed_index) + "/" + evals.at(eval).name;
}

AblationPlan plan_ablation(const json& config, const std::vector<std::string>& grid_names) {
  AblationPlan plan;
  plan.config = config;
  plan.out = config["out"];
  for (int64_t s = 0; s < config["seeds"].get<int64_t>(); ++s) plan.seeds.push_back(s);
  for (auto& name : grid_names) {
    std::string known;
    for (auto& g : config["grids"]) known += (known.empty() ? "" : ", ") + g["name"].get<std::string>();
    bool found = false;
    for (auto& g : config["grids"]) found = found || g["name"] == name;
    check(found, "ablation: --grid '", name, "': unknown grid (the config has: ", known, ")");
  }
  Planner planner(plan);
  for (const json& g : config["grids"]) {
    const std::string name = g["name"];
    AblationGrid grid{name, g.value("title", "").empty() ? name : g["title"].get<std::string>(), {}};
    for (const json& s : g["settings"]) {
      AblationSetting setting;
      setting.grid = name;
      setting.label = s["label"];
      setting.set = s.value("set", std::vector<std::string>{});
      setting.eval_set = s.value("eval_set", std::vector<std::string>{});
      try {
        std::vector<json> recipes;
        for (int64_t seed : plan.seeds) {
          json r = config["recipe"];
          set_all_seeds(r, seed);
          r = resolve_distill_config(r, setting.set, "recipe");
          r.erase("out");
          recipes.push_back(r);
        }
        json spec = config["eval"];
        io::apply_overrides(spec, setting.eval_set);
        check_eval(spec, "eval");
        setting.run = planner.run_for(recipes, setting.label);
        setting.eval = planner.eval_for(setting.run, spec, setting.label);
      } catch (const Error& e) {
        fail("ablation: grid '", name, "', setting '", setting.label, "': ", e.what());
      }
      if (setting.label == g.value("reference", "")) grid.reference = plan.settings.size();
      grid.settings.push_back(plan.settings.size());
      plan.settings.push_back(setting);
    }
    plan.grids.push_back(grid);
  }
  return grid_names.empty() ? plan : keep_grids(plan, grid_names);
}

std::string describe_ablation_plan(const AblationPlan& plan) {
  auto count = [](size_t n, const std::string& noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); };
  std::ostringstream o;
  o << count(plan.settings.size(), "setting") << " in " << count(plan.grids.size(), "grid") << ": "
    << count(plan.runs.size(), "distinct run") << " and " << count(plan.evals.size(), "evaluation") << " per seed, "
    << count(plan.seeds.size(), "seed") << " (0.." << plan.seeds.size() - 1 << "); step 1 shared: "
    << count(plan.shared.size(), "run") << " in " << plan.out << "/shared\n";
  std::vector<bool> first_seen(plan.evals.size(), false);
  for (const auto& g : plan.grids) {
    o << "\n[" << g.name << "] " << g.title << "\n";
    for (size_t i : g.settings) {
      const auto& s = plan.settings[i];
      const auto& e = plan.evals[s.eval];
      o << "  " << s.label << "  ->  runs/" << plan.runs[s.run].slug << "/seed-*/" << e.name;
      if (first_seen[s.eval]) o << "  (same as '" << e.label << "')";
      else if (plan.runs[s.run].label != s.label) o << "  (trained by '" << plan.runs[s.run].label << "')";
      first_seen[s.eval] = true;
      o << "\n";
      for (auto& v : s.set) o << "      --set " << v << "\n";
      for (auto& v : s.eval_set) o << "      eval: " << v << "\n";
      if (s.set.empty() && s.eval_set.empty()) o << "      (the base recipe)\n";
    }
  }
  return o.str();
}

}  // namespace vlsi::distill
