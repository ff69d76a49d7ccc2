#include "vlsi/distill/ablation_run.h"

#include <sys/stat.h>

#include <cstdio>
#include <map>

#include "vlsi/distill/ablation_report.h"
#include "vlsi/distill/recipe.h"
#include "vlsi/distill/step_run.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors_sharded.h"
#include "vlsi/train/run_inputs.h"

namespace vlsi::distill {
using io::json;

namespace {

// Size and modification time of each teacher/student weights file the grid
// starts from. Finished runs are skipped by folder, so a grid folder trained
// from other weights (a retrained demo teacher, say) must be refused, not mixed in.
json model_fingerprints(const AblationPlan& plan) {
  std::map<std::string, json> out;
  for (const auto& run : plan.runs)
    for (const auto& recipe : run.recipes)
      for (const char* side : {"teacher", "student"}) {
        const std::string dir = recipe[side]["model"].get<std::string>();
        if (out.count(dir)) continue;
        std::string file = io::join_path(dir, io::kSafetensorsWeightsFile);
        if (!io::file_exists(file)) file = io::join_path(dir, io::kSafetensorsIndexFile);
        struct stat st {};
        check(::stat(file.c_str(), &st) == 0, "ablation: ", side, " model ", dir, ": no ", io::kSafetensorsWeightsFile);
        out[dir] = {{"file", file},
                    {"bytes", int64_t(st.st_size)},
                    {"modified_ns", int64_t(st.st_mtim.tv_sec) * 1000000000 + int64_t(st.st_mtim.tv_nsec)}};
      }
  return json(out);
}

void check_same_models(const AblationPlan& plan) {
  const std::string path = plan.out + "/models.json";
  const json now = model_fingerprints(plan);
  if (io::file_exists(path)) {
    const json before = io::read_json_file(path);
    for (const auto& [dir, print] : now.items())
      check(before.contains(dir) && before[dir] == print, path, ": this ablation folder was trained from other weights (",
            dir, " changed since); remove the folder or choose another --out");
  }
  io::write_json_file(path, now);
}

}  // namespace

json run_ablation(const AblationPlan& plan, const AblationRunOptions& options) {
  check(bool(options.evaluate), "ablation: no evaluation function given");
  for (const auto& run : plan.runs)
    for (const auto& recipe : run.recipes) train::check_run_inputs(recipe, "ablation: recipe");
  io::make_dirs(plan.out);
  check_same_models(plan);
  io::write_json_file(plan.out + "/config.json", plan.config);
  write_ablation_report(plan, options.command_line);  // results found from an earlier invocation

  const size_t total = plan.seeds.size() * plan.evals.size();
  size_t done = 0;
  for (size_t k = 0; k < plan.seeds.size(); ++k) {
    const int64_t seed = plan.seeds[k];
    for (const auto& shared : plan.shared) {
      if (shared.seed != seed) continue;
      std::fprintf(stderr, "[ablate] seed %lld: shared %s -> %s\n", (long long)seed, shared.stage.c_str(),
                   shared.config["out"].get<std::string>().c_str());
      try {
        run_step("verbalize", shared.config, options.resume);
      } catch (const Error& e) {
        fail("ablation: seed ", seed, ", shared ", shared.stage, ": ", e.what());
      }
    }
    for (size_t e = 0; e < plan.evals.size(); ++e) {
      const AblationEval& ev = plan.evals[e];
      const std::string run_dir = plan.run_dir(ev.run, k), eval_dir = plan.eval_dir(e, k);
      const json& recipe = plan.runs[ev.run].recipes[k];
      std::fprintf(stderr, "[ablate] %zu/%zu %s seed %lld -> %s\n", ++done, total, ev.label.c_str(), (long long)seed,
                   eval_dir.c_str());
      try {
        if (io::file_exists(run_dir + "/summary.json")) {
          std::fprintf(stderr, "[ablate]   distill run %s is complete\n", run_dir.c_str());
        } else {
          run_distill(recipe, options.resume);
        }
        if (io::file_exists(eval_dir + "/results.json")) {
          std::fprintf(stderr, "[ablate]   evaluation %s is complete\n", eval_dir.c_str());
          continue;
        }
        json r = options.evaluate(run_dir + "/student", ev.spec, recipe["device"], eval_dir);
        std::fprintf(stderr, "[ablate]   test accuracy %.3f\n", r["overall"].value("accuracy", 0.0));
      } catch (const Error& err) {
        fail("ablation: setting '", ev.label, "' seed ", seed, ": ", err.what());
      }
      write_ablation_report(plan, options.command_line);
    }
  }
  write_ablation_report(plan, options.command_line);
  std::fprintf(stderr, "[ablate] done: %s/results.md, %s/ablation.json\n", plan.out.c_str(), plan.out.c_str());
  return io::read_json_file(plan.out + "/ablation.json");
}

}  // namespace vlsi::distill
